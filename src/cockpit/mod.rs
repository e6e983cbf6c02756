//! The cockpit front end: the tokio loop that owns the `App`, feeds it terminal events,
//! executor reports and clock ticks, performs its effects through the runtime (journal first),
//! and redraws only when something changed: at once after a key, else at most `--fps` times a
//! second.
//!
//! On SIGHUP, or when the terminal goes away, it journals `operator-disconnected`, restores
//! what it can of the terminal, lets the running step finish (its output still journaled),
//! journals the outcome, and exits without starting another step.

use std::time::Duration;

use chrono::{DateTime, Utc};
use color_eyre::eyre::{Result, WrapErr};
use crossterm::event::{Event as TermEvent, EventStream};
use futures::StreamExt;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc;

use crate::exec::runtime::Runtime;
use crate::plain::now_ms;
use crate::release::{Event, Msg, ReleaseOutcome, ReleasePhase, ReleaseState, StepStatus};
use crate::ui::app::{App, AppEffect, AppMsg};
use crate::ui::keymap::Keymap;
use crate::ui::model::GateRow;
use crate::ui::terminal;
use crate::ui::theme::Theme;
use crate::watch::docker::{self, DockerMsg};
use crate::watch::logs::{self, LogMsg};
use crate::watch::revisions_model::RevisionsMsg;
use crate::watch::revisions_task::{self, Plan};

mod countdown;
mod setup;

pub use setup::{app_for, header};
use setup::{gate_row, save_log};

/// Display options.
#[derive(Debug, Clone)]
pub struct CockpitOpts {
    pub theme: Option<String>,
    pub fps: u32,
    pub mouse: bool,
    /// A warning line under the header (e.g. SSH without tmux).
    pub warning: Option<String>,
    /// The demo's guide line: what to press next (demo only).
    pub guide: Option<fn(&App) -> Option<String>>,
}

/// What ended the loop.
enum End {
    Quit,
    Disconnected(String),
}

struct Loop<'a> {
    rt: &'a mut Runtime,
    app: App,
    halted: bool,
    /// The auto-rollback countdown's deadline, while it runs.
    countdown: Option<tokio::time::Instant>,
    /// Whether this arming already had its countdown (stopped or fired).
    counted: bool,
    /// The warning line when no countdown shows (e.g. SSH without tmux).
    base_warning: Option<String>,
    /// Asks the revisions watcher to read everything again.
    refresh: mpsc::UnboundedSender<()>,
    /// The Docker watchers, when the runbook has services (`<` / `>` move its stats streams).
    docker: Option<docker::DockerWatch>,
    /// The gates pane's background refresh; asked to measure at once after a step finishes.
    gates: crate::watch::gates::Refresher,
}

impl Loop<'_> {
    /// Feed one message to the App and perform what comes out. Returns true to quit.
    fn process(&mut self, msg: AppMsg, now: DateTime<Utc>) -> bool {
        let msg = match msg {
            AppMsg::Release(mut m) => {
                self.rt.masker.mask_msg(&mut m);
                AppMsg::Release(m)
            }
            AppMsg::Revisions(mut m) => {
                m.mask(|s| self.rt.masker.mask_in_place(s));
                AppMsg::Revisions(m)
            }
            other => other,
        };
        // After a step (a deploy, a rollback), the gates pane measures again at once.
        let finished = matches!(&msg, AppMsg::Release(Msg::Finished { .. }));
        let mut quit = false;
        let mut queue = vec![msg];
        if let Some(row) = gate_row(&queue[0], &self.rt.resolved.runbook, now) {
            queue.insert(0, AppMsg::Gate(row));
        }
        while let Some(m) = queue.pop() {
            for eff in self.app.update(m, now) {
                match eff {
                    AppEffect::Release(e) => {
                        if self.halted {
                            continue;
                        }
                        if let Some(model) = self.app.docker()
                            && self.rt.refuse_stale_docker(&e, model)
                        {
                            continue;
                        }
                        if let Err(err) = self.rt.perform(vec![e], self.app.release(), now) {
                            self.halted = true;
                            queue.push(AppMsg::Refused(format!(
                                "HALTED: {err:#} — nothing more will run; quit and fix it, the journal keeps everything before it"
                            )));
                        }
                    }
                    AppEffect::Quit => quit = true,
                    AppEffect::RefreshRevisions => {
                        let _ = self.refresh.send(());
                    }
                    AppEffect::SelectService(name) => {
                        if let Some(w) = &self.docker {
                            w.select_stats(Some(&name));
                        }
                    }
                    AppEffect::SaveLog(source) => {
                        let note = match save_log(&self.app, &source, now) {
                            Ok(path) => format!("saved the {source} log to {path}"),
                            Err(e) => format!("could not save the {source} log: {e}"),
                        };
                        queue.push(AppMsg::Refused(note));
                    }
                }
            }
        }
        if finished {
            self.gates.refresh_now();
            let _ = self.refresh.send(()); // and the revisions (a deploy changes the live version)
        }
        quit
    }
}

/// The exit code for a release left in `st`.
pub fn exit_code(st: &ReleaseState) -> i32 {
    match st.phase {
        ReleasePhase::Finished(ReleaseOutcome::Completed) => 0,
        ReleasePhase::Finished(ReleaseOutcome::RolledBack) => 3,
        ReleasePhase::Finished(ReleaseOutcome::Abandoned) => 1,
        _ if st
            .steps
            .iter()
            .chain(&st.rollback_steps)
            .any(|s| matches!(s.status, StepStatus::Failed(_))) =>
        {
            1
        }
        _ => 0,
    }
}

/// Start the revisions watcher: its readings come in on the receiver; a `()` sent on the
/// sender asks it to read everything again now.
fn start_revisions(
    rt: &Runtime,
) -> (
    mpsc::UnboundedReceiver<RevisionsMsg>,
    mpsc::UnboundedSender<()>,
    tokio::task::JoinHandle<()>,
) {
    let (tx, rx) = mpsc::unbounded_channel();
    let (refresh, refresh_rx) = mpsc::unbounded_channel();
    let plan = Plan::from_resolved(&rt.resolved);
    let watcher = revisions_task::spawn(plan, revisions_task::EVERY, tx, refresh_rx);
    (rx, refresh, watcher)
}

/// Run the cockpit until the operator quits or disconnects. `initial` messages (the release
/// start, notes) are applied first. Returns the exit code.
#[allow(clippy::too_many_lines)] // one select loop over every source of events
pub async fn run(
    rt: &mut Runtime,
    st: ReleaseState,
    rx: &mut mpsc::UnboundedReceiver<Msg>,
    initial: Vec<Msg>,
    opts: &CockpitOpts,
) -> Result<i32> {
    let theme = Theme::load(opts.theme.as_deref()).wrap_err("loading the theme")?;
    let keymap = Keymap::load().wrap_err("loading the keymap")?;
    let mut app = app_for(rt, st, keymap);
    // Live Docker state, from events (no polling), when the runbook has services.
    let (dtx, mut drx) = mpsc::unbounded_channel::<DockerMsg>();
    let services = rt.resolved.runbook.services.clone();
    let docker_watch = if services.is_empty() {
        None
    } else {
        let hosts = docker::hosts_for(&rt.resolved.runbook.dir, &rt.resolved.runbook.docker_hosts);
        app = app.with_docker(docker::DockerModel::new(&hosts), services.clone());
        app.deploy_targets = deploy_targets(rt);
        let watch =
            docker::spawn(hosts, &services, &dtx).wrap_err("starting the Docker watcher")?;
        // The selected service (the first) shows CPU and memory: its stats stream only.
        watch.select_stats(services.first().map(|s| s.name.as_str()));
        Some(watch)
    };
    // One follow stream per container of a service with `logs = true`, driven by the
    // Docker model's changes; batches come in on a bounded channel.
    let (ltx, mut lrx) = mpsc::channel::<LogMsg>(logs::CHANNEL);
    let mut streams = (!services.is_empty()).then(|| {
        let hosts = docker::hosts_for(&rt.resolved.runbook.dir, &rt.resolved.runbook.docker_hosts);
        let masker = rt.masker.clone();
        logs::LogStreams::new(hosts, &services, masker, ltx, logs::StreamOpts::default())
    });
    let (mut revisions, refresh, watcher) = start_revisions(rt);
    // The gates pane refreshes in the background, for display only.
    let (gtx, mut grx) = mpsc::unbounded_channel::<GateRow>();
    let gate_cx = crate::exec::gates::GateCx::from_resolved(
        &rt.resolved,
        Some(rt.journal.state_dir().clone()),
    );
    let gates_refresh = crate::watch::gates::spawn(&rt.resolved.runbook.gates, &gate_cx, &gtx);
    let mut lp = Loop {
        rt,
        app,
        halted: false,
        countdown: None,
        counted: false,
        base_warning: opts.warning.clone(),
        refresh,
        docker: docker_watch,
        gates: gates_refresh,
    };
    for m in initial {
        lp.process(AppMsg::Release(m), now_ms());
    }
    if opts.warning.is_some() {
        lp.process(AppMsg::Warning(opts.warning.clone()), now_ms());
    }
    terminal::install_panic_hook();
    let (mut term, guard) = terminal::enter(opts.mouse)?;
    if let Ok((w, h)) = crossterm::terminal::size() {
        lp.process(AppMsg::Resize(w, h), now_ms());
    }
    let mut events = EventStream::new();
    let mut hup = signal(SignalKind::hangup())?;
    let mut term_sig = signal(SignalKind::terminate())?;
    let mut int_sig = signal(SignalKind::interrupt())?;
    let mut guide_shown: Option<String> = None;
    let frame = Duration::from_millis(1000 / u64::from(opts.fps.max(1)));
    let mut last_draw = tokio::time::Instant::now() - frame;
    terminal::draw(&mut term, &lp.app, &theme)?;
    lp.app.clear_dirty();
    let end = loop {
        let mut wake = wake_at(&lp.app, last_draw, frame);
        if lp.countdown.is_some() {
            // Redraw the countdown every second.
            let tick = tokio::time::Instant::now() + Duration::from_millis(250);
            wake = Some(wake.map_or(tick, |w| w.min(tick)));
        }
        // Input is drawn at once (the operator waits for it; it is rare); everything else is
        // drawn at most `--fps` times a second.
        let mut input = false;
        let quit = tokio::select! {
            ev = events.next() => match ev {
                Some(Ok(TermEvent::Key(k))) if lp.countdown.is_some() => {
                    if k.kind == crossterm::event::KeyEventKind::Press {
                        lp.stop_countdown(now_ms());
                    }
                    input = true;
                    false
                }
                Some(Ok(TermEvent::Key(k))) => {
                    input = true;
                    lp.process(AppMsg::Key(k), now_ms())
                }
                Some(Ok(TermEvent::Resize(w, h))) => {
                    input = true;
                    lp.process(AppMsg::Resize(w, h), now_ms())
                }
                Some(Ok(_)) => false,
                Some(Err(e)) => break End::Disconnected(format!("terminal read failed: {e}")),
                None => break End::Disconnected("the terminal closed".into()),
            },
            Some(m) = rx.recv() => lp.process(AppMsg::Release(m), now_ms()),
            Some(row) = grx.recv() => lp.process(AppMsg::Gate(row), now_ms()),
            Some(dm) = drx.recv() => {
                // A daemon going away or coming back is journaled before it is shown.
                if let Some(ev) = dm.journal_event() {
                    lp.process(AppMsg::Release(Msg::Record(ev)), now_ms());
                }
                if let Some(s) = &mut streams {
                    s.on_docker(&dm);
                }
                lp.process(AppMsg::Docker(dm), now_ms())
            },
            Some(m) = lrx.recv() => lp.process(AppMsg::Log(m), now_ms()),
            Some(m) = revisions.recv() => lp.process(AppMsg::Revisions(m), now_ms()),
            _ = hup.recv() => break End::Disconnected("SIGHUP (the SSH connection dropped)".into()),
            _ = term_sig.recv() => break End::Disconnected("SIGTERM".into()),
            _ = int_sig.recv() => break End::Disconnected("SIGINT".into()),
            () = sleep_until(wake) => lp.process(AppMsg::Tick, now_ms()),
        };
        if quit {
            break End::Quit;
        }
        lp.after_event(opts.guide, &mut guide_shown);
        if lp.app.dirty() && (input || tokio::time::Instant::now() >= last_draw + frame) {
            if let Err(e) = terminal::draw(&mut term, &lp.app, &theme) {
                break End::Disconnected(format!("terminal write failed: {e}"));
            }
            lp.app.clear_dirty();
            last_draw = tokio::time::Instant::now();
        }
    };
    if matches!(end, End::Disconnected(_)) {
        // The terminal is gone: ratatui's drop would try to show the cursor on it and report
        // the failure on stderr, which is gone too. Skip it; there is nothing left to restore.
        std::mem::forget(term);
    } else {
        drop(term);
    }
    drop(guard);
    let _ = terminal::restore();
    watcher.abort();
    drop(streams);
    if let End::Disconnected(reason) = end {
        finish_disconnected(&mut lp, rx, reason).await;
    }
    Ok(exit_code(lp.app.release()))
}

/// After a hang-up: journal it, then let the running step finish (its output and outcome
/// are still journaled); nothing new starts.
async fn finish_disconnected(
    lp: &mut Loop<'_>,
    rx: &mut mpsc::UnboundedReceiver<Msg>,
    reason: String,
) {
    lp.process(
        AppMsg::Release(Msg::Record(Event::OperatorDisconnected { reason })),
        now_ms(),
    );
    while lp.app.release().running().is_some() {
        match rx.recv().await {
            Some(m) => {
                lp.process(AppMsg::Release(m), now_ms());
            }
            None => break,
        }
    }
}

/// When the loop must wake without an event: the next clock change, or a frame that is due.
pub(crate) fn wake_at(
    app: &App,
    last_draw: tokio::time::Instant,
    frame: Duration,
) -> Option<tokio::time::Instant> {
    let now = now_ms();
    let clock = app
        .next_redraw_deadline(now)
        .and_then(|d| (d - now).to_std().ok())
        .map(|d| tokio::time::Instant::now() + d);
    let frame_due = app.dirty().then_some(last_draw + frame);
    match (clock, frame_due) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

pub(crate) async fn sleep_until(at: Option<tokio::time::Instant>) {
    match at {
        Some(t) => tokio::time::sleep_until(t).await,
        None => std::future::pending().await,
    }
}

/// The image each `docker-deploy` step of the release deploys, for the services pane.
fn deploy_targets(rt: &Runtime) -> Vec<(String, String)> {
    rt.resolved
        .runbook
        .steps
        .iter()
        .filter_map(|s| match &s.kind {
            crate::runbook::StepKind::DockerDeploy { service, image, .. } => Some((
                service.clone(),
                crate::runbook::template::render(image, &rt.resolved.ctx)
                    .unwrap_or_else(|_| image.src.clone()),
            )),
            _ => None,
        })
        .collect()
}
