//! Release tags `previous` passes over: versions whose latest release of this runbook in this
//! environment was rolled back, read from the journals of the state dir.
//!
//! The journals are read as the `release` gate reads them ([`crate::journal::read`], then
//! [`replay::from_records`]; unreadable ones skipped, at most [`MAX_JOURNALS`]). Only finished,
//! non-drill releases of the runbook's `release.name` in the environment count; per version
//! the one that finished last decides, so a version released again and completed is good
//! again. A version with no journal (released before flightdeck, or from another state dir)
//! is never passed over.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::{DateTime, Utc};

use super::gates::release::MAX_JOURNALS;
use super::resolve::Resolved;
use crate::journal::{StateDir, read};
use crate::release::{ReleaseOutcome, ReleasePhase, ReleaseState, replay};
use crate::watch::git;

/// The release that rolled a version back: the latest finished one of that version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RolledBackRelease {
    pub version: String,
    pub release_id: String,
    pub at: Option<DateTime<Utc>>,
}

/// Rolled-back versions (without a leading `v`) of one release name in one environment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RolledBack {
    by_version: BTreeMap<String, RolledBackRelease>,
}

fn key(version: &str) -> &str {
    version.strip_prefix('v').unwrap_or(version)
}

impl RolledBack {
    /// Read the journals of the state dir at `root` (none there: nothing rolled back).
    pub fn read(root: &Path, name: &str, environment: &str) -> RolledBack {
        let dir = StateDir::new(root);
        let Ok(entries) = dir.list() else {
            return RolledBack::default();
        };
        let states = entries.iter().take(MAX_JOURNALS).filter_map(|e| {
            let out = read(&e.path).ok()?;
            replay::from_records(&out.records).ok()
        });
        RolledBack::from_states(states, name, environment)
    }

    /// The pure part: `states` newest first (as the state dir lists them); the one that
    /// finished last wins per version, ties to the one listed first.
    pub fn from_states(
        states: impl IntoIterator<Item = ReleaseState>,
        name: &str,
        environment: &str,
    ) -> RolledBack {
        let mut latest: BTreeMap<String, ReleaseState> = BTreeMap::new();
        for st in states {
            if !st.is_finished() || st.drill || st.name != name || st.environment != environment {
                continue;
            }
            match latest.get(key(&st.version)) {
                Some(seen) if seen.finished_at >= st.finished_at => {}
                _ => {
                    latest.insert(key(&st.version).to_owned(), st);
                }
            }
        }
        let by_version = latest
            .into_iter()
            .filter(|(_, st)| st.phase == ReleasePhase::Finished(ReleaseOutcome::RolledBack))
            .map(|(k, st)| {
                let r = RolledBackRelease {
                    version: st.version,
                    release_id: st.release_id,
                    at: st.finished_at,
                };
                (k, r)
            })
            .collect();
        RolledBack { by_version }
    }

    /// The release that rolled back the version of release tag `tag` (glob `glob`), if its
    /// latest release did.
    pub fn of_tag(&self, tag: &str, glob: &str) -> Option<&RolledBackRelease> {
        self.by_version.get(key(git::tag_version(tag, glob)))
    }

    pub fn is_empty(&self) -> bool {
        self.by_version.is_empty()
    }
}

/// The tags `previous` passed over, best first, each with the release that rolled it back.
pub fn skipped(r: &Resolved) -> Vec<(String, &RolledBackRelease)> {
    let (Some(info), Some(g)) = (&r.git, &r.runbook.git) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for tag in git::previous_candidates(&info.tags, &g.release_tags, &r.ctx.version) {
        if Some(&tag) == r.ctx.previous.as_ref() {
            break;
        }
        if let Some(rb) = r.rolled_back.of_tag(&tag, &g.release_tags) {
            out.push((tag, rb));
        }
    }
    out
}

/// `plan`'s line when `previous` passed over rolled-back tags, e.g. `previous v1.0.0 (skipped
/// v1.1.0: rolled back in release app-1.1.0-… at 2026-12-06T21:00:00Z)`.
pub fn plan_line(r: &Resolved) -> Option<String> {
    let skipped = skipped(r);
    if skipped.is_empty() {
        return None;
    }
    let each: Vec<String> = skipped
        .iter()
        .map(|(tag, rb)| {
            let at = rb.at.map_or_else(
                || "an unknown time".to_owned(),
                |t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
            );
            format!("{tag}: rolled back in release {} at {at}", rb.release_id)
        })
        .collect();
    Some(format!(
        "previous {} (skipped {})",
        r.ctx.previous.as_deref().unwrap_or("-"),
        each.join("; ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn st(id: &str, env: &str, version: &str, outcome: ReleaseOutcome, at: i64) -> ReleaseState {
        ReleaseState {
            release_id: id.into(),
            name: "app".into(),
            environment: env.into(),
            version: version.into(),
            phase: ReleasePhase::Finished(outcome),
            finished_at: Utc.timestamp_opt(1_700_000_000 + at, 0).single(),
            ..ReleaseState::default()
        }
    }

    #[test]
    fn the_latest_finished_release_of_a_version_decides() {
        use ReleaseOutcome::{Completed, RolledBack as Back};
        let states = vec![
            st("r5", "production", "1.2.0", Back, 50),
            st("r4", "production", "1.1.0", Completed, 40),
            st("r3", "production", "1.1.0", Back, 30),
            st("r2", "staging", "1.0.0", Back, 20),
            st("r1", "production", "v1.0.5", Back, 10),
        ];
        let rb = RolledBack::from_states(states, "app", "production");
        assert_eq!(rb.of_tag("v1.1.0", "v*"), None, "released again, completed");
        assert_eq!(
            rb.of_tag("v1.2.0", "v*").map(|r| r.release_id.as_str()),
            Some("r5")
        );
        assert_eq!(rb.of_tag("v1.0.0", "v*"), None, "staging's rollback");
        assert_eq!(
            rb.of_tag("v1.0.5", "v*").map(|r| r.release_id.as_str()),
            Some("r1"),
            "a journal version with a leading v"
        );
        assert_eq!(rb.of_tag("v0.9.0", "v*"), None, "no journal: kept");
    }

    #[test]
    fn the_finish_time_orders_not_the_listing_and_drills_do_not_count() {
        use ReleaseOutcome::{Completed, RolledBack as Back};
        // Listed first (newest file) but finished before the completed one.
        let states = vec![
            st("late-file", "production", "1.1.0", Back, 10),
            st("done", "production", "1.1.0", Completed, 20),
        ];
        let rb = RolledBack::from_states(states, "app", "production");
        assert!(rb.is_empty(), "{rb:?}");
        let mut drill = st("drill", "production", "1.3.0", Back, 30);
        drill.drill = true;
        let mut other = st("other", "production", "1.4.0", Back, 30);
        other.name = "api".into();
        let mut open = st("open", "production", "1.5.0", Back, 30);
        open.phase = ReleasePhase::RollingBack;
        let rb = RolledBack::from_states(vec![drill, other, open], "app", "production");
        assert!(rb.is_empty(), "{rb:?}");
    }
}
