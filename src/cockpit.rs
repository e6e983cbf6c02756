//! The cockpit front end: the tokio loop that owns the `App`, feeds it terminal events,
//! executor reports and clock ticks, performs its effects through the runtime (journal first),
//! and redraws at most `--fps` times a second, only when something changed.
//!
//! On SIGHUP, or when the terminal goes away, it journals `operator-disconnected`, restores
//! what it can of the terminal, lets the running step finish (its output still journaled),
//! journals the outcome, and exits without starting another step.

use std::collections::BTreeMap;
use std::io::Write;
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
use crate::runbook::{RollbackTarget, StepKind, template};
use crate::ui::app::{App, AppEffect, AppMsg};
use crate::ui::keymap::Keymap;
use crate::ui::model::{GateRow, Header};
use crate::ui::terminal;
use crate::ui::theme::Theme;
use crate::watch::docker::{self, DockerMsg};
use crate::watch::logs::{self, LogMsg};
use crate::watch::revisions_model::RevisionsMsg;
use crate::watch::revisions_task::{self, Plan};

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

/// The header for a release.
pub fn header(rt: &Runtime, st: &ReleaseState) -> Header {
    let r = &rt.resolved;
    let window_deadline = r.runbook.release.window.and_then(|w| {
        let start = st.started_at.unwrap_or_else(Utc::now);
        chrono::Duration::from_std(w).ok().map(|d| start + d)
    });
    Header {
        name: r.runbook.release.name.clone(),
        environment: r.env_name.clone(),
        protected: r.protected,
        version: r.ctx.version.clone(),
        previous: r.ctx.previous.clone(),
        lkg: r.ctx.lkg.clone(),
        operator: rt.operator.clone(),
        window_deadline,
        observing: None,
        warning: None,
    }
}

/// Build the App for a release.
pub fn app_for(rt: &Runtime, st: ReleaseState, keymap: Keymap) -> App {
    let r = &rt.resolved;
    let gates = r
        .runbook
        .gates
        .iter()
        .map(|g| GateRow {
            id: g.id.clone(),
            kind: g.kind.name().to_owned(),
            ..GateRow::default()
        })
        .collect();
    let mut instructions = BTreeMap::new();
    for s in &r.runbook.steps {
        if let StepKind::Manual {
            instructions: Some(t),
            ..
        } = &s.kind
            && let Ok(text) = template::render(t, &r.ctx)
        {
            instructions.insert(s.id.clone(), rt.masker.mask(&text).into_owned());
        }
    }
    let services = r
        .runbook
        .services
        .iter()
        .map(|s| (s.name.clone(), s.logs))
        .collect();
    let header = header(rt, &st);
    let revisions = Plan::from_resolved(r).initial_model(r);
    App::new(header, st, keymap)
        .with_gates(gates)
        .with_services(services)
        .with_instructions(instructions)
        .with_revisions(revisions)
        .with_rollback_pick(r.runbook.rollback.target == RollbackTarget::Pick)
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
        quit
    }
}

impl Loop<'_> {
    /// Start the auto-rollback countdown when a trigger armed the rollback and
    /// `rollback.auto` applies (never in a protected environment).
    fn maybe_start_countdown(&mut self) {
        let st = self.app.release();
        if st.armed.is_none() || st.phase != ReleasePhase::InProgress {
            if self.counted {
                // Disarmed, or the rollback ran: the countdown line goes away.
                self.counted = false;
                self.countdown = None;
                self.process(AppMsg::Warning(self.base_warning.clone()), now_ms());
            }
            return;
        }
        let r = &self.rt.resolved;
        // With `rollback.target = "pick"` a person picks the target: no countdown.
        let pick = r.runbook.rollback.target == RollbackTarget::Pick;
        if self.counted || !r.runbook.rollback.auto || r.protected || pick || st.is_finished() {
            return;
        }
        let delay = crate::runbook::template::render_duration(
            &r.runbook.rollback.auto_delay,
            &self.rt.context(st),
        )
        .unwrap_or(Duration::from_secs(30));
        self.counted = true;
        self.countdown = Some(tokio::time::Instant::now() + delay);
        self.show_countdown(now_ms());
    }

    fn show_countdown(&mut self, now: DateTime<Utc>) {
        if let Some(at) = self.countdown {
            let left = at
                .saturating_duration_since(tokio::time::Instant::now())
                .as_secs()
                + 1;
            let text = format!(
                "AUTO ROLLBACK in {left}s · press any key to stop the countdown (the rollback stays armed)"
            );
            self.process(AppMsg::Warning(Some(text)), now);
        }
    }

    /// After each event: the auto-rollback countdown, and the demo's guide line.
    fn after_event(
        &mut self,
        guide: Option<fn(&App) -> Option<String>>,
        shown: &mut Option<String>,
    ) {
        self.maybe_start_countdown();
        if let Some(guide) = guide {
            let g = guide(&self.app);
            if g != *shown {
                shown.clone_from(&g);
                self.process(AppMsg::Guide(g), now_ms());
            }
        }
        if let Some(at) = self.countdown {
            if tokio::time::Instant::now() >= at {
                self.fire_countdown(now_ms());
            } else {
                self.show_countdown(now_ms());
            }
        }
    }

    /// Any key stops the countdown; the rollback stays armed.
    fn stop_countdown(&mut self, now: DateTime<Utc>) {
        self.countdown = None;
        let text =
            "auto rollback stopped · the rollback stays armed: press R to roll back".to_owned();
        self.process(AppMsg::Warning(Some(text)), now);
    }

    fn fire_countdown(&mut self, now: DateTime<Utc>) {
        self.countdown = None;
        let target = self
            .app
            .release()
            .armed
            .as_ref()
            .and_then(|a| a.target.clone());
        self.process(AppMsg::Warning(self.base_warning.clone()), now);
        self.process(
            AppMsg::Release(Msg::Rollback {
                by: "auto".into(),
                target,
            }),
            now,
        );
    }
}

/// A gate measurement journaled by a step, as a row of the gates pane.
fn gate_row(msg: &AppMsg, rb: &crate::runbook::Runbook, now: DateTime<Utc>) -> Option<GateRow> {
    let AppMsg::Release(Msg::Record(Event::GateResult {
        gate,
        state,
        value,
        message,
        ..
    })) = msg
    else {
        return None;
    };
    let state = match state.as_str() {
        "pass" => crate::ui::model::GateState::Pass,
        "fail" => crate::ui::model::GateState::Fail,
        _ => crate::ui::model::GateState::Error,
    };
    let value = match value {
        serde_json::Value::Null => String::new(),
        serde_json::Value::String(s) => s.clone(),
        v => v.to_string(),
    };
    Some(GateRow {
        id: gate.clone(),
        kind: rb
            .gate(gate)
            .map(|g| g.kind.name().to_owned())
            .unwrap_or_default(),
        state,
        value,
        message: message.clone(),
        at: Some(now),
    })
}

/// Write the (already masked) lines of a log source to `./flightdeck-<source>-<time>.log`.
fn save_log(app: &App, source: &str, now: DateTime<Utc>) -> std::io::Result<String> {
    let lines = app.log_lines(source).unwrap_or_default();
    let safe: String = source
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let path = format!("flightdeck-{safe}-{}.log", now.format("%Y%m%dT%H%M%SZ"));
    let mut f = std::fs::File::create(&path)?;
    for l in lines {
        writeln!(f, "{l}")?;
    }
    Ok(path)
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
    let _docker = if services.is_empty() {
        None
    } else {
        let hosts = docker::hosts_for(&rt.resolved.runbook.dir, &rt.resolved.runbook.docker_hosts);
        app = app.with_docker(docker::DockerModel::new(&hosts), services.clone());
        Some(docker::spawn(hosts, &services, &dtx).wrap_err("starting the Docker watcher")?)
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
    let mut lp = Loop {
        rt,
        app,
        halted: false,
        countdown: None,
        counted: false,
        base_warning: opts.warning.clone(),
        refresh,
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
        // Wake for the next clock change, or for a frame that is due.
        let now = now_ms();
        let clock = lp
            .app
            .next_redraw_deadline(now)
            .and_then(|d| (d - now).to_std().ok())
            .map(|d| tokio::time::Instant::now() + d);
        let frame_due = lp.app.dirty().then_some(last_draw + frame);
        let mut wake = match (clock, frame_due) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        if lp.countdown.is_some() {
            // Redraw the countdown every second.
            let tick = tokio::time::Instant::now() + Duration::from_millis(250);
            wake = Some(wake.map_or(tick, |w| w.min(tick)));
        }
        let quit = tokio::select! {
            ev = events.next() => match ev {
                Some(Ok(TermEvent::Key(k))) if lp.countdown.is_some() => {
                    if k.kind == crossterm::event::KeyEventKind::Press {
                        lp.stop_countdown(now_ms());
                    }
                    false
                }
                Some(Ok(TermEvent::Key(k))) => lp.process(AppMsg::Key(k), now_ms()),
                Some(Ok(TermEvent::Resize(w, h))) => lp.process(AppMsg::Resize(w, h), now_ms()),
                Some(Ok(_)) => false,
                Some(Err(e)) => break End::Disconnected(format!("terminal read failed: {e}")),
                None => break End::Disconnected("the terminal closed".into()),
            },
            Some(m) = rx.recv() => lp.process(AppMsg::Release(m), now_ms()),
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
        if lp.app.dirty() && tokio::time::Instant::now() >= last_draw + frame {
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

async fn sleep_until(at: Option<tokio::time::Instant>) {
    match at {
        Some(t) => tokio::time::sleep_until(t).await,
        None => std::future::pending().await,
    }
}
