//! `flightdeck observe`: find the release, resolve its runbook for live state, attach.

use std::path::Path;

use color_eyre::eyre::Result;

use super::load::{load_resolved, state_dir};
use crate::cli::StateArgs;
use crate::exec::resolve::{Options, Resolved};

pub async fn run(state: &StateArgs, id: &str, theme: Option<&str>) -> Result<i32> {
    let dir = state_dir(&state.file, state.state_dir.as_deref(), None);
    let path = dir.resolve(id)?;
    let live = live(&state.file, &path);
    crate::observe::run(&path, theme, live).await
}

/// The runbook resolved with the release's environment and version (from its journal), so
/// that `observe` can read Docker state and gates itself; None when it cannot be.
fn live(file: &Path, journal: &Path) -> Option<Resolved> {
    let read = crate::journal::read(journal).ok()?;
    let st = crate::release::replay::from_records(&read.records).ok()?;
    let opts = Options {
        env: Some(st.environment.clone()),
        release_version: Some(st.version.clone()),
        ..Options::default()
    };
    load_resolved(file, &opts, &mut std::io::sink()).ok()?.ok()
}
