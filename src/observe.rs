//! `flightdeck observe`: attach read-only to the release in progress. It follows the journal as
//! it grows (`watch::journal_follow`: file events) and replays each new record into a cockpit
//! whose action keys are inert; the header says `OBSERVING <operator>'s release`. With the runbook resolved
//! it also reads the live state itself: Docker (containers, the selected service's stats, one
//! follow stream per container of a service with `logs = true`) and the gates.

use std::path::Path;
use std::time::Duration;

use chrono::{DateTime, Utc};
use color_eyre::eyre::{Result, eyre};
use crossterm::event::{Event as TermEvent, EventStream};
use futures::StreamExt;

use crate::journal::Record;
use crate::plain::now_ms;
use crate::release::{Event, Msg, ReleaseState, replay};
use crate::ui::app::{App, AppEffect, AppMsg};
use crate::ui::keymap::Keymap;
use crate::ui::model::Header;
use crate::ui::terminal;
use crate::ui::theme::Theme;
use crate::watch::journal_follow::{self, Tail};

/// The message that replays one journal record into the App.
pub fn replay_msg(r: &Record) -> Option<(AppMsg, DateTime<Utc>)> {
    let (ev, at) = replay::event_of(r).ok()?;
    let msg = match ev {
        e @ Event::ReleaseStarted { .. } => Msg::Begin(e),
        Event::Output {
            step,
            phase,
            stream,
            lines,
        } => Msg::Output {
            phase,
            step,
            stream,
            lines,
        },
        other => Msg::Record(other),
    };
    Some((AppMsg::Release(msg), at))
}

/// The App and the live watchers that feed it (held for as long as the observer runs).
struct Live {
    app: App,
    docker: Option<crate::watch::docker::DockerWatch>,
    streams: Option<crate::watch::logs::LogStreams>,
    _refresh: Option<crate::watch::gates::Refresher>,
}

/// Where the live watchers send.
struct Senders<'a> {
    docker: &'a tokio::sync::mpsc::UnboundedSender<crate::watch::docker::DockerMsg>,
    gates: &'a tokio::sync::mpsc::UnboundedSender<crate::ui::model::GateRow>,
    logs: tokio::sync::mpsc::Sender<crate::watch::logs::LogMsg>,
}

/// Live Docker state and gate refresh for the observer, when the runbook resolved.
fn attach_live(mut app: App, live: Option<&crate::exec::resolve::Resolved>, tx: Senders) -> Live {
    let Some(r) = live else {
        return Live {
            app,
            docker: None,
            streams: None,
            _refresh: None,
        };
    };
    let rb = &r.runbook;
    app = app.with_gates(
        rb.gates
            .iter()
            .map(|g| crate::ui::model::GateRow {
                id: g.id.clone(),
                kind: g.kind.gate_type(),
                ..Default::default()
            })
            .collect(),
    );
    let (mut docker, mut streams) = (None, None);
    if !rb.services.is_empty() {
        let hosts = crate::watch::docker::hosts_for(&rb.dir, &rb.docker_hosts);
        app = app
            .with_services(
                rb.services
                    .iter()
                    .map(|s| (s.name.clone(), s.logs))
                    .collect(),
            )
            .with_docker(
                crate::watch::docker::DockerModel::new(&hosts),
                rb.services.clone(),
            );
        docker = crate::watch::docker::spawn(hosts.clone(), &rb.services, tx.docker).ok();
        if let Some(w) = &docker {
            w.select_stats(app.selected_service());
        }
        // Masked with the runbook's secrets, as the operator's cockpit masks them.
        let (masker, _) = crate::exec::runtime::masker_for(r);
        streams = Some(crate::watch::logs::LogStreams::new(
            hosts,
            &rb.services,
            masker,
            tx.logs,
            crate::watch::logs::StreamOpts::default(),
        ));
    }
    let cx = crate::exec::gates::GateCx::from_resolved(r, None);
    let refresh = crate::watch::gates::spawn(&rb.gates, &cx, tx.gates);
    Live {
        app,
        docker,
        streams,
        _refresh: Some(refresh),
    }
}

/// The header of the release whose first records are `first`: its `release-started` record.
fn header_of(first: &[Record], path: &Path) -> Result<Header> {
    let started = first
        .iter()
        .find_map(|r| match replay::event_of(r) {
            Ok((e @ Event::ReleaseStarted { .. }, _)) => Some((r.operator.clone(), e)),
            _ => None,
        })
        .ok_or_else(|| eyre!("{}: no release-started record", path.display()))?;
    let (operator, ev) = started;
    let Event::ReleaseStarted {
        name,
        environment,
        version,
        protected,
        previous,
        lkg,
        ..
    } = ev
    else {
        return Err(eyre!("unreachable"));
    };
    let header = Header {
        name,
        environment,
        protected,
        version,
        previous,
        lkg,
        operator: operator.clone(),
        window_deadline: None,
        observing: Some(operator),
        warning: None,
    };
    Ok(header)
}

/// Replays records into the App; true when one asks to quit.
fn feed(app: &mut App, records: &[Record]) -> bool {
    let mut quit = false;
    for r in records {
        if let Some((m, at)) = replay_msg(r) {
            quit |= app.update(m, at).contains(&AppEffect::Quit);
        }
    }
    quit
}

/// A key's effects here: quit (true), or move the stats streams (`<` / `>`).
fn key(app: &mut App, msg: AppMsg, docker: Option<&crate::watch::docker::DockerWatch>) -> bool {
    let mut quit = false;
    for e in app.update(msg, now_ms()) {
        match e {
            AppEffect::Quit => quit = true,
            AppEffect::SelectService(name) => {
                if let Some(w) = docker {
                    w.select_stats(Some(&name));
                }
            }
            _ => {}
        }
    }
    quit
}

/// Observe the release journaled at `path` until the operator quits. With the runbook
/// resolved (`live`), it also reads live Docker state and refreshes the gates itself.
pub async fn run(
    path: &Path,
    theme: Option<&str>,
    live: Option<crate::exec::resolve::Resolved>,
) -> Result<i32> {
    let mut tail = Tail::new(path);
    let first = tail.poll()?;
    let header = header_of(&first, path)?;
    let theme = Theme::load(theme)?;
    let app = App::new(header, ReleaseState::default(), Keymap::load()?);
    let (dtx, mut drx) = tokio::sync::mpsc::unbounded_channel::<crate::watch::docker::DockerMsg>();
    let (gtx, mut grx) = tokio::sync::mpsc::unbounded_channel::<crate::ui::model::GateRow>();
    let (ltx, mut lrx) = tokio::sync::mpsc::channel(crate::watch::logs::CHANNEL);
    let senders = Senders {
        docker: &dtx,
        gates: &gtx,
        logs: ltx,
    };
    let Live {
        mut app,
        docker,
        mut streams,
        _refresh,
    } = attach_live(app, live.as_ref(), senders);
    let key = |app: &mut App, msg: AppMsg| key(app, msg, docker.as_ref());
    feed(&mut app, &first);
    terminal::install_panic_hook();
    let (mut term, guard) = terminal::enter(false)?;
    if let Ok((w, h)) = crossterm::terminal::size() {
        app.update(AppMsg::Resize(w, h), now_ms());
    }
    let mut events = EventStream::new();
    let (jtx, mut journal) = tokio::sync::mpsc::unbounded_channel();
    let _follower = journal_follow::spawn(tail, jtx);
    // Keys are drawn at once; everything else at most 30 times a second, as in the cockpit.
    let frame = Duration::from_millis(33);
    let mut last_draw = tokio::time::Instant::now() - frame;
    let mut input = true;
    loop {
        if app.dirty() && (input || tokio::time::Instant::now() >= last_draw + frame) {
            terminal::draw(&mut term, &app, &theme)?;
            app.clear_dirty();
            last_draw = tokio::time::Instant::now();
        }
        input = false;
        let wake = crate::cockpit::wake_at(&app, last_draw, frame);
        let quit = tokio::select! {
            ev = events.next() => match ev {
                // Action keys are refused by the App while observing; only q, help,
                // scrolling, search and `<` / `>` do anything.
                Some(Ok(TermEvent::Key(k))) => {
                    input = true;
                    key(&mut app, AppMsg::Key(k))
                }
                Some(Ok(TermEvent::Resize(w, h))) => {
                    input = true;
                    app.update(AppMsg::Resize(w, h), now_ms());
                    false
                }
                Some(Ok(_)) => false,
                Some(Err(_)) | None => true,
            },
            Some(dm) = drx.recv() => {
                if let Some(s) = &mut streams {
                    s.on_docker(&dm);
                }
                app.update(AppMsg::Docker(dm), now_ms());
                false
            },
            Some(m) = lrx.recv() => { app.update(AppMsg::Log(m), now_ms()); false },
            Some(row) = grx.recv() => { app.update(AppMsg::Gate(row), now_ms()); false },
            Some(read) = journal.recv() => match read {
                Ok(records) => feed(&mut app, &records),
                Err(e) => return Err(eyre!("following the journal: {e}")),
            },
            () = crate::cockpit::sleep_until(wake) => {
                app.update(AppMsg::Tick, now_ms());
                false
            },
        };
        if quit {
            break;
        }
    }
    drop(term);
    drop(guard);
    Ok(0)
}
