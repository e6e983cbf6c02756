//! `git` gates on the `[git] path` repository (the runbook's directory without `[git]`):
//! `clean` (no change to tracked files, staged or not; untracked files do not count, so the
//! state dir beside the runbook never makes a tree dirty), `branch` (HEAD is on it) and
//! `head_tagged` (a tag matching `[git] release_tags` points at HEAD; any tag without `[git]`).
//! The value is HEAD's short id.

use std::path::Path;

use git2::{Repository, StatusOptions};
use globset::{Glob, GlobMatcher};
use serde_json::Value;

use super::{GateCx, GateOutcome, blocking};

pub async fn evaluate(
    clean: Option<bool>,
    branch: Option<String>,
    head_tagged: Option<bool>,
    cx: &GateCx,
) -> GateOutcome {
    let path = cx
        .git_path
        .clone()
        .unwrap_or_else(|| cx.runbook_dir.clone());
    let glob = match cx.release_tags.as_deref().map(Glob::new) {
        Some(Ok(g)) => Some(g.compile_matcher()),
        Some(Err(e)) => return GateOutcome::error(format!("bad release_tags glob: {e}")),
        None => None,
    };
    blocking(move || {
        let wanted = Wanted {
            clean,
            branch: branch.as_deref(),
            head_tagged,
            release_tags: glob.as_ref(),
        };
        check(&path, &wanted)
    })
    .await
}

struct Wanted<'a> {
    clean: Option<bool>,
    branch: Option<&'a str>,
    head_tagged: Option<bool>,
    /// Only tags matching this count for `head_tagged`.
    release_tags: Option<&'a GlobMatcher>,
}

/// Open the repository containing `path`.
pub fn open(path: &Path) -> Result<Repository, String> {
    Repository::discover(path).map_err(|e| {
        format!(
            "{} is not in a git repository: {}",
            path.display(),
            e.message()
        )
    })
}

/// Tracked files with changes (in the index or the worktree), sorted.
pub fn dirty_files(repo: &Repository) -> Result<Vec<String>, String> {
    let mut opts = StatusOptions::new();
    opts.include_untracked(false).include_ignored(false);
    let statuses = repo
        .statuses(Some(&mut opts))
        .map_err(|e| format!("git status: {}", e.message()))?;
    let mut files: Vec<String> = statuses
        .iter()
        .filter(|s| !s.status().is_empty() && !s.status().is_ignored())
        .map(|s| s.path().unwrap_or("?").to_owned())
        .collect();
    files.sort();
    Ok(files)
}

/// Names of the tags that point at `commit`.
pub fn tags_at(repo: &Repository, commit: git2::Oid) -> Vec<String> {
    let Ok(names) = repo.tag_names(None) else {
        return Vec::new();
    };
    let mut out: Vec<String> = names
        .iter()
        .flatten()
        .flatten()
        .filter(|name| {
            repo.revparse_single(&format!("refs/tags/{name}"))
                .and_then(|o| o.peel_to_commit())
                .is_ok_and(|c| c.id() == commit)
        })
        .map(str::to_owned)
        .collect();
    out.sort();
    out
}

/// A list for a message: at most five names, then a count.
pub fn few(names: &[String]) -> String {
    let shown: Vec<&str> = names.iter().take(5).map(String::as_str).collect();
    match names.len() {
        n if n > 5 => format!("{} and {} more", shown.join(", "), n - 5),
        _ => shown.join(", "),
    }
}

fn check(path: &Path, w: &Wanted<'_>) -> GateOutcome {
    let repo = match open(path) {
        Ok(r) => r,
        Err(why) => return GateOutcome::error(why),
    };
    let head = match repo.head().and_then(|h| h.peel_to_commit()) {
        Ok(c) => c,
        Err(e) => return GateOutcome::error(format!("no HEAD commit: {}", e.message())),
    };
    let short: String = head.id().to_string().chars().take(7).collect();
    let value = Value::String(short.clone());
    let mut said = vec![format!("HEAD {short}")];
    if let Some(want) = w.clean {
        let dirty = match dirty_files(&repo) {
            Ok(d) => d,
            Err(why) => return GateOutcome::error(why),
        };
        match (dirty.is_empty(), want) {
            (true, true) => said.push("clean".into()),
            (false, false) => said.push(format!("{} changed", dirty.len())),
            (false, true) => {
                return GateOutcome::fail(
                    value,
                    format!("{} changed file(s): {}", dirty.len(), few(&dirty)),
                )
                .expecting("clean");
            }
            (true, false) => {
                return GateOutcome::fail(value, "the worktree is clean, expected changes")
                    .expecting("changes");
            }
        }
    }
    if let Some(want) = w.branch {
        let on = repo
            .head()
            .ok()
            .filter(git2::Reference::is_branch)
            .and_then(|h| h.shorthand().ok().map(str::to_owned));
        match on {
            Some(b) if b == want => said.push(format!("on {b}")),
            Some(b) => {
                return GateOutcome::fail(value, format!("on branch {b}, expected {want}"))
                    .expecting(format!("branch {want}"));
            }
            None => {
                return GateOutcome::fail(value, format!("HEAD is detached, expected {want}"))
                    .expecting(format!("branch {want}"));
            }
        }
    }
    if let Some(want) = w.head_tagged {
        let mut tags = tags_at(&repo, head.id());
        if let Some(m) = w.release_tags {
            tags.retain(|t| m.is_match(t));
        }
        match (tags.is_empty(), want) {
            (false, true) => said.push(format!("tagged {}", few(&tags))),
            (true, false) => said.push("untagged".into()),
            (true, true) => {
                let which = if w.release_tags.is_some() {
                    "release tag"
                } else {
                    "tag"
                };
                return GateOutcome::fail(value, format!("HEAD {short} has no {which}"))
                    .expecting(format!("a {which}"));
            }
            (false, false) => {
                return GateOutcome::fail(
                    value,
                    format!("HEAD {short} is tagged {}, expected no tag", few(&tags)),
                )
                .expecting("no tag");
            }
        }
    }
    GateOutcome::pass(value, said.join(" · "))
}
