//! `flightdeck observe`: attach read-only to the release in progress. An observing driver follows
//! the journal as it grows (file events) and, with the runbook resolved, reads the live state
//! itself (Docker, logs, gates, revisions); the cockpit shows it with its action keys inert and
//! the header saying `OBSERVING <operator>'s release`.

use std::path::Path;

use color_eyre::eyre::{Result, eyre};

use super::load::{load_resolved, state_dir};
use crate::cli::StateArgs;
use crate::driver::{Driver, Sources};
use crate::exec::resolve::{Options, Resolved};
use crate::journal::Record;
use crate::release::{Event, ReleaseState, replay};
use crate::ui::app::{App, AppMsg};
use crate::ui::keymap::Keymap;
use crate::ui::model::Header;
use crate::watch::journal_follow::Tail;

pub async fn run(state: &StateArgs, id: &str, theme: Option<&str>) -> Result<i32> {
    let dir = state_dir(&state.file, state.state_dir.as_deref(), None);
    let path = dir.resolve(id)?;
    let live = live(&state.file, &path, &dir.root);
    let mut tail = Tail::new(&path);
    let first = tail.poll()?;
    let mut app = app_for(&first, &path, live.as_ref())?;
    for r in &first {
        if let Ok((ev, at)) = replay::event_of(r) {
            app.update(AppMsg::Journaled(ev, at), at);
        }
    }
    let mut sources = match &live {
        Some(r) => {
            let masker = crate::exec::runtime::masker_for(r).0;
            Sources::live(r, &masker, None)?
        }
        None => Sources::none(),
    };
    sources.follow(tail);
    let mut driver = Driver::observer(live, sources)?;
    let opts = crate::cockpit::CockpitOpts {
        theme: theme.map(str::to_owned),
        fps: 30,
        mouse: false,
        warning: None,
        guide: None,
    };
    crate::cockpit::run(&mut driver, app, &opts).await?;
    Ok(0)
}

/// The runbook resolved with the release's environment and version (from its journal), so
/// that `observe` can read Docker state and gates itself; None when it cannot be.
fn live(file: &Path, journal: &Path, state_root: &Path) -> Option<Resolved> {
    let read = crate::journal::read(journal).ok()?;
    let st = crate::release::replay::from_records(&read.records).ok()?;
    let opts = Options {
        env: Some(st.environment.clone()),
        release_version: Some(st.version.clone()),
        // `previous` passes over rolled-back releases here as in `run`.
        state_dir: Some(state_root.to_path_buf()),
        ..Options::default()
    };
    load_resolved(file, &opts, &mut std::io::sink()).ok()?.ok()
}

/// The observer's App: the header of the release whose first records are `first`, and the
/// runbook's gates, services and revisions when it resolved.
fn app_for(first: &[Record], path: &Path, live: Option<&Resolved>) -> Result<App> {
    let (operator, ev) = first
        .iter()
        .find_map(|r| match replay::event_of(r) {
            Ok((e @ Event::ReleaseStarted { .. }, _)) => Some((r.operator.clone(), e)),
            _ => None,
        })
        .ok_or_else(|| eyre!("{}: no release-started record", path.display()))?;
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
        return Err(eyre!("{}: no release-started record", path.display()));
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
    let keymap = Keymap::load()?;
    Ok(match live {
        Some(r) => {
            let masker = crate::exec::runtime::masker_for(r).0;
            let mut app = crate::cockpit::app_for(r, &masker, ReleaseState::default(), keymap);
            app.set_header(header);
            app
        }
        None => App::new(header, ReleaseState::default(), keymap),
    })
}
