//! The cockpit front end: the terminal, the `App` and the driver. Keys and resizes go to the App
//! and are drawn at once; the driver's events are applied and drawn at most `--fps` times a
//! second; what the App asks for (a message for the core, quit, save) goes to the driver. The
//! same loop serves `flightdeck observe`, over an observing driver.
//!
//! On SIGHUP, or when the terminal goes away, it restores what it can of the terminal and lets
//! the driver journal the hang-up and finish the running step; nothing new starts.

use std::time::Duration;

use chrono::{DateTime, Utc};
use color_eyre::eyre::{Result, WrapErr};
use crossterm::event::{Event as TermEvent, EventStream};
use futures::StreamExt;

use crate::driver::{Driver, DriverEvent, now_ms};
use crate::release::Mode;
use crate::ui::app::{App, AppEffect, AppMsg};
use crate::ui::terminal;
use crate::ui::theme::Theme;

mod setup;

use setup::save_log;
pub use setup::{app_for, header};

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

/// The App message for a driver event; `None` for a hang-up (the loop ends).
fn app_msg(ev: DriverEvent) -> Result<AppMsg, String> {
    Ok(match ev {
        DriverEvent::Journaled(ev, at) => AppMsg::Journaled(ev, at),
        DriverEvent::Prompt { phase, index } => AppMsg::Prompt { phase, index },
        DriverEvent::Refused(r) => AppMsg::Refused(r),
        DriverEvent::Halted(r) => AppMsg::Halted(r),
        DriverEvent::Policy(p) => AppMsg::Policy(p),
        DriverEvent::JournalPending(n) => AppMsg::JournalPending(n),
        DriverEvent::Docker(m) => AppMsg::Docker(m),
        DriverEvent::Log(m) => AppMsg::Log(m),
        DriverEvent::Gate(g) => AppMsg::Gate(g),
        DriverEvent::Revisions(m) => AppMsg::Revisions(m),
        DriverEvent::Disconnected(why) => return Err(why),
    })
}

/// Hand what the App asked for to the driver. Returns true to quit.
fn effects(driver: &mut Driver, app: &mut App, fx: Vec<AppEffect>, now: DateTime<Utc>) -> bool {
    let mut quit = false;
    let mut queue = fx;
    while !queue.is_empty() {
        let mut more = Vec::new();
        for e in queue {
            match e {
                AppEffect::Send(m) => {
                    if let Err(r) = driver.send(m) {
                        more.extend(app.update(AppMsg::Refused(r), now));
                    }
                }
                AppEffect::Quit => quit = true,
                AppEffect::RefreshRevisions => driver.refresh_revisions(),
                AppEffect::SelectService(name) => driver.select_stats(&name),
                AppEffect::SaveLog(source) => {
                    let note = match save_log(app, &source, now) {
                        Ok(path) => format!("saved the {source} log to {path}"),
                        Err(e) => format!("could not save the {source} log: {e}"),
                    };
                    more.extend(app.update(AppMsg::Refused(note), now));
                }
            }
        }
        queue = more;
    }
    quit
}

/// Start the cockpit for a release: `st` as the journal has it so far, `initial` the messages
/// that start the session (the release start, notes), then [`run`].
pub async fn start(
    driver: &mut Driver,
    st: crate::release::ReleaseState,
    initial: Vec<crate::release::Msg>,
    opts: &CockpitOpts,
) -> Result<i32> {
    for m in initial {
        if let Err(why) = driver.send(m) {
            return Err(color_eyre::eyre::eyre!("cannot start the release: {why}"));
        }
    }
    let Some(r) = driver.resolved() else {
        return Err(color_eyre::eyre::eyre!("no runbook to drive"));
    };
    let keymap = crate::ui::keymap::Keymap::load().wrap_err("loading the keymap")?;
    let app = app_for(r, driver.masker(), st, keymap);
    run(driver, app, opts).await
}

/// Run the cockpit over `driver` until the operator quits or disconnects. Returns the exit code.
pub async fn run(driver: &mut Driver, mut app: App, opts: &CockpitOpts) -> Result<i32> {
    let theme = Theme::load(opts.theme.as_deref()).wrap_err("loading the theme")?;
    if opts.warning.is_some() {
        app.update(AppMsg::Warning(opts.warning.clone()), now_ms());
    }
    terminal::install_panic_hook();
    let (mut term, guard) = terminal::enter(opts.mouse)?;
    if let Ok((w, h)) = crossterm::terminal::size() {
        app.update(AppMsg::Resize(w, h), now_ms());
    }
    let mut events = EventStream::new();
    let mut guide_shown: Option<String> = None;
    let frame = Duration::from_millis(1000 / u64::from(opts.fps.max(1)));
    let mut last_draw = tokio::time::Instant::now() - frame;
    terminal::draw(&mut term, &app, &theme)?;
    app.clear_dirty();
    let end = loop {
        let wake = wake_at(&app, last_draw, frame);
        // Input is drawn at once (the operator waits for it; it is rare); everything else is
        // drawn at most `--fps` times a second.
        let mut input = false;
        let fx = tokio::select! {
            biased;
            ev = events.next() => match ev {
                Some(Ok(TermEvent::Key(k))) => {
                    input = true;
                    app.update(AppMsg::Key(k), now_ms())
                }
                Some(Ok(TermEvent::Resize(w, h))) => {
                    input = true;
                    app.update(AppMsg::Resize(w, h), now_ms())
                }
                Some(Ok(TermEvent::Mouse(m))) if opts.mouse => {
                    input = true;
                    app.update(AppMsg::Mouse(m), now_ms())
                }
                Some(Ok(_)) => Vec::new(),
                Some(Err(e)) => break End::Disconnected(format!("terminal read failed: {e}")),
                None => break End::Disconnected("the terminal closed".into()),
            },
            ev = driver.next() => {
                // Everything the driver has ready is applied before the next key: a key never
                // acts on a screen that lags what is already decided (a prompt that opened).
                let mut fx = Vec::new();
                let mut next = Some(ev);
                let mut gone = None;
                while let Some(ev) = next {
                    match app_msg(ev) {
                        Ok(m) => fx.extend(app.update(m, now_ms())),
                        Err(why) => {
                            gone = Some(why);
                            break;
                        }
                    }
                    next = driver.ready();
                }
                if let Some(why) = gone {
                    break End::Disconnected(why);
                }
                fx
            },
            () = sleep_until(wake) => app.update(AppMsg::Tick, now_ms()),
        };
        if effects(driver, &mut app, fx, now_ms()) {
            break End::Quit;
        }
        if let Some(guide) = opts.guide {
            let g = guide(&app);
            if g != guide_shown {
                guide_shown.clone_from(&g);
                app.update(AppMsg::Guide(g), now_ms());
            }
        }
        if app.dirty() && (input || tokio::time::Instant::now() >= last_draw + frame) {
            if let Err(e) = terminal::draw(&mut term, &app, &theme) {
                break End::Disconnected(format!("terminal write failed: {e}"));
            }
            app.clear_dirty();
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
    if let End::Disconnected(reason) = end {
        driver.hang_up(reason).await;
    }
    driver
        .close()
        .await
        .map_err(|e| color_eyre::eyre::eyre!("{e}"))?;
    Ok(driver.exit_code(Mode::Run))
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
