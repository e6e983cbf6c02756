//! `file` gates: a path exists (or not), a directory is writable, the newest file matching a
//! glob (or, without `newest`, the path itself) is younger than `max_age`.
//!
//! `writable` on a directory creates and removes a temporary file there; on a file it opens it
//! for appending without writing. `newest` matches paths relative to `path` (a directory):
//! `*.dump` only at its top, `**/*.dump` at any depth (at most [`MAX_DEPTH`] levels and
//! [`MAX_ENTRIES`] entries are looked at). The value is that file's age in seconds.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use globset::GlobBuilder;
use serde_json::Value;

use super::{GateCx, GateOutcome, blocking, fmt_dur};
use crate::runbook::GateKind;

pub const MAX_DEPTH: usize = 8;
pub const MAX_ENTRIES: usize = 100_000;

pub async fn evaluate(kind: &GateKind, cx: &GateCx) -> GateOutcome {
    let GateKind::File {
        path,
        exists,
        writable,
        newest,
        max_age,
    } = kind
    else {
        return GateOutcome::error("not a file gate");
    };
    let shown = match cx.render(path) {
        Ok(p) => p,
        Err(why) => return GateOutcome::error(why),
    };
    let max_age = match max_age {
        Some(d) => match cx.duration(d) {
            Ok(d) => Some(d),
            Err(why) => return GateOutcome::error(why),
        },
        None => None,
    };
    let full = cx.path(&shown);
    let (exists, writable, newest) = (*exists, *writable, newest.clone());
    blocking(move || check(&full, &shown, exists, writable, newest.as_deref(), max_age)).await
}

fn check(
    full: &Path,
    shown: &str,
    exists: Option<bool>,
    writable: Option<bool>,
    newest: Option<&str>,
    max_age: Option<Duration>,
) -> GateOutcome {
    let present = full.exists();
    let exists = exists.or((writable.is_none() && newest.is_none()).then_some(true));
    let mut said = Vec::new();
    match exists {
        Some(true) if !present => {
            return GateOutcome::fail(Value::Null, format!("{shown} does not exist"));
        }
        Some(false) if present => {
            return GateOutcome::fail(Value::Null, format!("{shown} exists, expected it not to"));
        }
        Some(true) => said.push(format!("{shown} exists")),
        Some(false) => said.push(format!("{shown} does not exist")),
        None => {}
    }
    if let Some(want) = writable {
        match (try_write(full), want) {
            (Ok(()), true) => said.push(format!("{shown} is writable")),
            (Err(why), true) => {
                return GateOutcome::fail(Value::Null, format!("{shown} is not writable: {why}"));
            }
            (Ok(()), false) => {
                return GateOutcome::fail(
                    Value::Null,
                    format!("{shown} is writable, expected it not to be"),
                );
            }
            (Err(_), false) => said.push(format!("{shown} is not writable")),
        }
    }
    let found = match newest {
        Some(glob) => match newest_match(full, glob) {
            Ok(Some(f)) => f,
            Ok(None) => {
                return GateOutcome::fail(
                    Value::Null,
                    format!("no file matches {glob} in {shown}"),
                );
            }
            Err(why) => return GateOutcome::error(why),
        },
        None if max_age.is_some() => match std::fs::metadata(full).and_then(|m| m.modified()) {
            Ok(t) => (PathBuf::from(shown), t),
            Err(e) => return GateOutcome::fail(Value::Null, format!("{shown}: {e}")),
        },
        None => return GateOutcome::pass(Value::Null, said.join(", ")),
    };
    let (name, modified) = found;
    let newest_word = if newest.is_some() { "newest " } else { "" };
    let age = SystemTime::now()
        .duration_since(modified)
        .unwrap_or(Duration::ZERO);
    let value = Value::from(age.as_secs());
    let text = format!("{newest_word}{} is {} old", name.display(), fmt_dur(age));
    match max_age {
        Some(max) if age > max => {
            GateOutcome::fail(value, format!("{text} > max_age {}", fmt_dur(max)))
        }
        _ => GateOutcome::pass(value, text),
    }
}

/// Can we write into `path` (a directory) or to it (a file)?
fn try_write(path: &Path) -> Result<(), String> {
    let meta = std::fs::metadata(path).map_err(|e| e.to_string())?;
    if meta.is_dir() {
        let probe = path.join(format!(".flightdeck-write-test-{}", std::process::id()));
        std::fs::File::create(&probe).map_err(|e| e.to_string())?;
        std::fs::remove_file(&probe).map_err(|e| format!("cannot remove the probe file: {e}"))
    } else {
        std::fs::OpenOptions::new()
            .append(true)
            .open(path)
            .map(drop)
            .map_err(|e| e.to_string())
    }
}

/// The most recently modified file under `dir` whose relative path matches `glob`.
fn newest_match(dir: &Path, glob: &str) -> Result<Option<(PathBuf, SystemTime)>, String> {
    let matcher = GlobBuilder::new(glob)
        .literal_separator(true)
        .build()
        .map_err(|e| format!("bad glob `{glob}`: {e}"))?
        .compile_matcher();
    let mut best: Option<(PathBuf, SystemTime)> = None;
    let mut stack = vec![(dir.to_path_buf(), 0usize)];
    let mut seen = 0usize;
    while let Some((d, depth)) = stack.pop() {
        let entries =
            std::fs::read_dir(&d).map_err(|e| format!("cannot list {}: {e}", d.display()))?;
        for entry in entries.flatten() {
            seen += 1;
            if seen > MAX_ENTRIES {
                return Err(format!(
                    "more than {MAX_ENTRIES} entries under {}",
                    dir.display()
                ));
            }
            let path = entry.path();
            let Ok(meta) = entry.metadata() else { continue };
            if meta.is_dir() {
                if depth + 1 < MAX_DEPTH {
                    stack.push((path, depth + 1));
                }
                continue;
            }
            let rel = path.strip_prefix(dir).unwrap_or(&path).to_path_buf();
            if !matcher.is_match(&rel) {
                continue;
            }
            let Ok(modified) = meta.modified() else {
                continue;
            };
            if best.as_ref().is_none_or(|(_, t)| modified > *t) {
                best = Some((rel, modified));
            }
        }
    }
    Ok(best)
}
