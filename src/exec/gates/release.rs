//! `release` gates, from the journals in the state dir: "staging completed this version before
//! production" and "the previous release has been stable for an hour".
//!
//! Candidates are finished, non-drill releases of this runbook's release name in `environment`
//! (and of `version`, rendered, when given), newest first. With a version, a completed one is
//! preferred over a later attempt that was rolled back; without, the newest finished release
//! is the one judged. `completed = true` needs its `release-finished` outcome to be
//! `completed`; `stable_for` needs that long since it finished. The value is the seconds since
//! it finished. Journals that cannot be read are skipped; at most [`MAX_JOURNALS`] are read.

use std::time::Duration;

use chrono::Utc;
use serde_json::Value;

use super::{GateCx, GateOutcome, blocking, fmt_dur};
use crate::journal::{StateDir, read};
use crate::release::{ReleaseOutcome, ReleasePhase, ReleaseState, replay};
use crate::runbook::GateKind;

pub const MAX_JOURNALS: usize = 200;

pub async fn evaluate(kind: &GateKind, cx: &GateCx) -> GateOutcome {
    let GateKind::Release {
        environment,
        version,
        completed,
        stable_for,
    } = kind
    else {
        return GateOutcome::error("not a release gate");
    };
    let Some(dir) = cx.state_dir.clone() else {
        return GateOutcome::error("no state dir to read journals from");
    };
    let version = match version {
        Some(v) => match cx.render(v) {
            Ok(v) => Some(v),
            Err(why) => return GateOutcome::error(why),
        },
        None => None,
    };
    let stable_for = match stable_for {
        Some(d) => match cx.duration(d) {
            Ok(d) => Some(d),
            Err(why) => return GateOutcome::error(why),
        },
        None => None,
    };
    let q = Query {
        name: cx.ctx.release_name.clone(),
        environment: environment.clone(),
        version,
        completed: *completed,
        stable_for,
    };
    blocking(move || check(&dir, &q)).await
}

struct Query {
    name: String,
    environment: String,
    version: Option<String>,
    completed: bool,
    stable_for: Option<Duration>,
}

impl Query {
    fn what(&self) -> String {
        match &self.version {
            Some(v) => format!("{} {v} in {}", self.name, self.environment),
            None => format!("{} in {}", self.name, self.environment),
        }
    }
    fn matches(&self, st: &ReleaseState) -> bool {
        st.is_finished()
            && !st.drill
            && st.name == self.name
            && st.environment == self.environment
            && self.version.as_ref().is_none_or(|v| *v == st.version)
    }
}

fn outcome(st: &ReleaseState) -> Option<ReleaseOutcome> {
    match st.phase {
        ReleasePhase::Finished(o) => Some(o),
        _ => None,
    }
}

/// The release to judge: see the module doc.
fn find(dir: &StateDir, q: &Query) -> Result<Option<ReleaseState>, String> {
    let entries = dir.list().map_err(|e| format!("{e:#}"))?;
    let mut first: Option<ReleaseState> = None;
    for entry in entries.iter().take(MAX_JOURNALS) {
        let Ok(out) = read(&entry.path) else { continue };
        let Ok(st) = replay::from_records(&out.records) else {
            continue;
        };
        if !q.matches(&st) {
            continue;
        }
        let done = outcome(&st) == Some(ReleaseOutcome::Completed);
        if q.version.is_none() || done {
            return Ok(Some(st));
        }
        first.get_or_insert(st);
    }
    Ok(first)
}

fn check(dir: &StateDir, q: &Query) -> GateOutcome {
    let st = match find(dir, q) {
        Ok(Some(st)) => st,
        Ok(None) => {
            return GateOutcome::fail(
                Value::Null,
                format!(
                    "no finished release of {} in {}",
                    q.what(),
                    dir.journal_dir().display()
                ),
            );
        }
        Err(why) => return GateOutcome::error(why),
    };
    let out = outcome(&st).map_or("unfinished", ReleaseOutcome::as_str);
    let age = st
        .finished_at
        .and_then(|t| (Utc::now() - t).to_std().ok())
        .unwrap_or(Duration::ZERO);
    let value = Value::from(age.as_secs());
    let text = format!(
        "{} {} in {} {out} {} ago ({})",
        st.name,
        st.version,
        st.environment,
        fmt_dur(age),
        st.release_id
    );
    if q.completed && outcome(&st) != Some(ReleaseOutcome::Completed) {
        return GateOutcome::fail(value, format!("{text}, expected completed"))
            .expecting("completed");
    }
    match q.stable_for {
        Some(min) if age < min => {
            GateOutcome::fail(value, format!("{text} < stable_for {}", fmt_dur(min)))
        }
        _ => GateOutcome::pass(value, text),
    }
}
