//! `journal verify` on anchors (DESIGN.md §9.3): every anchor on `refs/flightdeck/<release-id>`
//! — in the local repository and, when `[journal] remote` is set, on the remote after a fetch
//! (`--offline` skips it and says so) — names a count and a hash the journal must still have.
//! A journal rewritten after an anchor is caught through the remote even when the local refs
//! were deleted too.

use std::path::PathBuf;

use serde_json::Value;

use super::reader::Scanned;
use super::record::Kind;
use super::verify::{Problem, TrustCheck};
use super::verify_seals::short;
use crate::exec::anchor::{self, AnchorHead};

/// Where a release is anchored, from its runbook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnchorTarget {
    /// The `[git] path` repository.
    pub repo: PathBuf,
    pub remote: Option<String>,
}

/// What the journal itself says about its anchors.
#[derive(Default)]
struct Recorded {
    /// Anchor records with a commit.
    made: usize,
    /// The line of the last anchor record that says it was pushed.
    pushed_at: Option<usize>,
}

fn recorded(lines: &[Scanned<'_>]) -> Recorded {
    let mut r = Recorded::default();
    for (i, line) in lines.iter().enumerate() {
        let Ok(rec) = &line.record else { continue };
        if rec.kind != Kind::Anchor {
            continue;
        }
        if rec
            .data
            .get("commit")
            .and_then(Value::as_str)
            .is_some_and(|c| !c.is_empty())
        {
            r.made += 1;
        }
        if rec.data.get("pushed").and_then(Value::as_bool) == Some(true) {
            r.pushed_at = Some(i + 1);
        }
    }
    r
}

/// `journal verify`'s part: compare every anchor, local and remote, with the journal.
pub(crate) fn check(
    lines: &[Scanned<'_>],
    hashes: &[String],
    genesis: &str,
    release_id: &str,
    trust: &TrustCheck,
    problems: &mut Vec<Problem>,
    notes: &mut Vec<String>,
) {
    let Some(target) = &trust.anchor else { return };
    let name = anchor::refname(release_id);
    let rec = recorded(lines);
    let cmp = Compare {
        name: &name,
        release_id,
        hashes,
        genesis,
    };
    match anchor::read_chain(&target.repo, &name) {
        Ok(Some(chain)) => cmp.chain("in the local repository", &chain, problems),
        Ok(None) if rec.made > 0 => problems.push(Problem {
            line: 0,
            message: format!(
                "anchor {name} is not in {}: the journal records {} anchor(s) there (the ref was deleted)",
                target.repo.display(),
                rec.made
            ),
        }),
        Ok(None) => {}
        Err(e) => problems.push(Problem {
            line: 0,
            message: format!("anchor {name}: {e}"),
        }),
    }
    let Some(remote) = &target.remote else { return };
    if trust.offline {
        notes.push(format!(
            "--offline: skipped fetching anchor {name} from {remote}; only the local ref was checked"
        ));
        return;
    }
    match anchor::fetch(&target.repo, remote, &name) {
        Ok(Some(tip)) => match anchor::read_chain(&target.repo, &tip) {
            Ok(Some(chain)) => cmp.chain(&format!("on {remote}"), &chain, problems),
            Ok(None) => {}
            Err(e) => problems.push(Problem {
                line: 0,
                message: format!("anchor {name} on {remote}: {e}"),
            }),
        },
        Ok(None) => match rec.pushed_at {
            Some(line) => problems.push(Problem {
                line,
                message: format!(
                    "anchor {name} is not on {remote}, though record {line} says it was pushed there (the remote ref was deleted)"
                ),
            }),
            None => notes.push(format!(
                "anchor {name} was never pushed to {remote}; `flightdeck journal push` pushes it"
            )),
        },
        Err(e) => problems.push(Problem {
            line: 0,
            message: format!(
                "anchor {name}: cannot fetch it from {remote} to compare ({e}); --offline skips the remote"
            ),
        }),
    }
}

struct Compare<'a> {
    name: &'a str,
    release_id: &'a str,
    hashes: &'a [String],
    genesis: &'a str,
}

impl Compare<'_> {
    /// Every anchor of a chain (newest first) against the journal.
    fn chain(&self, place: &str, chain: &[(String, AnchorHead)], problems: &mut Vec<Problem>) {
        for (commit, head) in chain {
            if let Some(p) = self.one(place, commit, head) {
                problems.push(p);
            }
        }
    }

    fn one(&self, place: &str, commit: &str, head: &AnchorHead) -> Option<Problem> {
        let name = self.name;
        let at = &commit[..commit.len().min(12)];
        if head.release_id != self.release_id {
            return Some(Problem {
                line: 0,
                message: format!(
                    "anchor {name} {place} (commit {at}) is for release {}, not {}",
                    head.release_id, self.release_id
                ),
            });
        }
        let count = usize::try_from(head.count).unwrap_or(usize::MAX);
        if count > self.hashes.len() {
            return Some(Problem {
                line: self.hashes.len() + 1,
                message: format!(
                    "anchor {name} {place} has {} records with hash {}; the journal has only {} records (records were removed after it was anchored)",
                    head.count,
                    short(&head.last_hash),
                    self.hashes.len()
                ),
            });
        }
        let actual = match count.checked_sub(1) {
            None => self.genesis,
            Some(i) => self.hashes[i].as_str(),
        };
        (actual != head.last_hash).then(|| Problem {
            line: count.max(1),
            message: format!(
                "anchor {name} {place} has {} records with hash {}; the journal has {} at record {} (rewritten after it was anchored)",
                head.count,
                short(&head.last_hash),
                short(actual),
                head.count
            ),
        })
    }
}
