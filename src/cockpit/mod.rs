//! The cockpit front end: the terminal, the `App` and the driver. Keys and resizes go to the App
//! first and are drawn at once; the driver's events are applied and drawn at most `--fps` times
//! a second, the log pane's changes at the pace `ui::throttle` sets (a few frames a second while
//! it scrolls fast or the terminal backs up, with `throttled` in its title); what the App asks for (a message for the core, quit, save) goes to the driver. The
//! same loop serves `flightdeck observe`, over an observing driver.
//!
//! On SIGHUP, or when the terminal goes away, it restores what it can of the terminal and lets
//! the driver journal the hang-up and finish the running step; nothing new starts.

use std::time::Instant;

use chrono::{DateTime, Utc};
use color_eyre::eyre::{Result, WrapErr};
use crossterm::event::Event as TermEvent;

use crate::driver::{Driver, DriverEvent, now_ms};
use crate::release::Mode;
use crate::ui::app::{App, AppEffect, AppMsg};
use crate::ui::terminal;
use crate::ui::theme::Theme;
use crate::ui::throttle::Pacer;

mod input;
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
    let mut events = input::Input::spawn().wrap_err("starting the terminal reader")?;
    let mut guide_shown: Option<String> = None;
    let mut pacer = Pacer::new(opts.fps, Instant::now());
    let t0 = Instant::now();
    terminal::draw(&mut term, &app, &theme)?;
    pacer.drawn(t0, Instant::now());
    app.clear_dirty();
    let end = loop {
        let (clock, merge) = deadlines(&app);
        let wake = wake_at(&app, &pacer, clock.into_iter().chain(merge).min());
        // Input is handled first and drawn at once (the operator waits for it; it is rare);
        // other changes are drawn at most `--fps` times a second, and the log pane's at the
        // pace `ui::throttle` sets (a few frames a second while it scrolls fast).
        let mut input = false;
        let fx = tokio::select! {
            biased;
            ev = events.next() => match on_input(&mut app, ev, opts) {
                Ok(Some(fx)) => {
                    input = true;
                    fx
                }
                Ok(None) => Vec::new(),
                Err(end) => break end,
            },
            ev = driver.next() => match on_driver(driver, &mut app, &mut pacer, ev) {
                Ok(fx) => fx,
                Err(end) => break end,
            },
            () = sleep_until(wake) => {
                let now = Instant::now();
                if clock.is_some_and(|c| c <= now) {
                    pacer.other_changed();
                } else {
                    // Merged log lines released after their reorder window.
                    pacer.log_changed(now, 0);
                }
                app.update(AppMsg::Tick, now_ms())
            },
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
        let now = Instant::now();
        let throttled = pacer.throttled(now);
        if throttled != app.logs.throttled {
            app.update(AppMsg::LogThrottled(throttled), now_ms());
        }
        if !input && events.pending() {
            // Keys are handled before frames: a key already waiting goes in first (the select
            // is biased towards the terminal), and this frame is drawn with it.
            continue;
        }
        if !app.dirty() {
            pacer.idle();
        } else if input || pacer.is_due(now) {
            if let Err(e) = terminal::draw(&mut term, &app, &theme) {
                break End::Disconnected(format!("terminal write failed: {e}"));
            }
            pacer.drawn(now, Instant::now());
            app.clear_dirty();
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

/// A driver event, and everything else the driver has ready, into the App (a key never acts
/// on a screen that lags what is already decided, e.g. a prompt that opened); each tells the
/// pacer what changed. `Err` when the driver says the session is over.
fn on_driver(
    driver: &mut Driver,
    app: &mut App,
    pacer: &mut Pacer,
    ev: DriverEvent,
) -> Result<Vec<AppEffect>, End> {
    let mut fx = Vec::new();
    let mut next = Some(ev);
    while let Some(ev) = next {
        let m = app_msg(ev).map_err(End::Disconnected)?;
        match &m {
            AppMsg::Log(l) => pacer.log_changed(Instant::now(), l.lines.len()),
            _ => pacer.other_changed(),
        }
        fx.extend(app.update(m, now_ms()));
        next = driver.ready();
    }
    Ok(fx)
}

/// A terminal event into the App: `Some(effects)` for input (a key, a resize, a mouse event
/// with `--mouse`), `None` for what is ignored, `Err` when the terminal is gone.
fn on_input(
    app: &mut App,
    ev: Option<std::io::Result<TermEvent>>,
    opts: &CockpitOpts,
) -> Result<Option<Vec<AppEffect>>, End> {
    let msg = match ev {
        Some(Ok(TermEvent::Key(k))) => AppMsg::Key(k),
        Some(Ok(TermEvent::Resize(w, h))) => AppMsg::Resize(w, h),
        Some(Ok(TermEvent::Mouse(m))) if opts.mouse => AppMsg::Mouse(m),
        Some(Ok(_)) => return Ok(None),
        Some(Err(e)) => return Err(End::Disconnected(format!("terminal read failed: {e}"))),
        None => return Err(End::Disconnected("the terminal closed".into())),
    };
    Ok(Some(app.update(msg, now_ms())))
}

/// When the loop must wake for the App: `(clock, merge)`, the next change of a clock on
/// screen (another pane's change, drawn at `--fps`) and the moment merged log lines are due
/// (the log pane's change, drawn at its own pace).
fn deadlines(app: &App) -> (Option<Instant>, Option<Instant>) {
    let now = now_ms();
    let at = |d: chrono::DateTime<chrono::Utc>| {
        (d - now)
            .to_std()
            .ok()
            .map(|d| Instant::now() + d)
            .or(Some(Instant::now()))
    };
    let merge = app.logs.merge_deadline();
    let next = app.next_redraw_deadline(now);
    let clock = next.filter(|d| Some(*d) != merge).and_then(at);
    (clock, merge.and_then(at))
}

/// When the loop must wake without an event: the next clock change, a frame that is due, or
/// the moment to notice the log pane went quiet.
pub(crate) fn wake_at(
    app: &App,
    pacer: &Pacer,
    clock: Option<Instant>,
) -> Option<tokio::time::Instant> {
    let frame_due = if app.dirty() { pacer.due() } else { None };
    [clock, frame_due, pacer.recheck_at()]
        .into_iter()
        .flatten()
        .min()
        .map(tokio::time::Instant::from_std)
}

pub(crate) async fn sleep_until(at: Option<tokio::time::Instant>) {
    match at {
        Some(t) => tokio::time::sleep_until(t).await,
        None => std::future::pending().await,
    }
}
