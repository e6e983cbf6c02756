//! The seals and anchors of a release, for the reports (DESIGN.md §9.2–9.3).

use std::fmt::Write as _;
use std::path::Path;

use serde_json::Value;

use super::cell;
use crate::journal::reader::scan;
use crate::journal::verify_seals::{SealCheck, Signature, checks, short};
use crate::journal::{Hasher, Kind, Record};
use crate::release::Event;

/// A `seal`, `seal-skipped` or `anchor` record as one line (plain mode, the timeline).
pub fn line(ev: &Event) -> Option<String> {
    Some(match ev {
        Event::Seal {
            point, count, key, ..
        } => format!("sealed ({point}): {count} records, signed by {key}"),
        Event::SealSkipped { point, reason, .. } => format!("seal skipped ({point}): {reason}"),
        Event::Anchor {
            refname,
            count,
            remote,
            pushed,
            error,
            ..
        } => anchor_line(
            refname,
            *count,
            remote.as_deref(),
            *pushed,
            error.as_deref(),
        ),
        _ => return None,
    })
}

/// One `anchor` record as a line: the ref, the records it covers, where it went.
pub fn anchor_line(
    refname: &str,
    count: u64,
    remote: Option<&str>,
    pushed: bool,
    error: Option<&str>,
) -> String {
    match (remote, pushed, error) {
        (_, _, Some(e)) if remote.is_none() || !pushed => {
            format!("anchor {refname} at {count} records failed: {e}")
        }
        (Some(r), true, _) => format!("anchor {refname} at {count} records, pushed to {r}"),
        (Some(r), false, _) => format!("anchor {refname} at {count} records, not pushed to {r}"),
        (None, _, _) => format!("anchor {refname} at {count} records (local)"),
    }
}

/// The "Seals and anchors" section of every report: each seal (the records it covers, its
/// key, whether its signature verifies against `allowed_signers` and whether the journal still
/// matches it), each skipped seal's reason, and the anchors: the ref, where it was pushed and
/// whether the last push succeeded. Empty when the journal has neither.
pub fn section(path: &Path, hasher: &Hasher, allowed_signers: Option<&Path>) -> String {
    let Ok(buf) = std::fs::read(path) else {
        return String::new();
    };
    let id = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let (lines, _) = scan(&buf);
    let line_hashes: Vec<String> = lines.iter().map(|l| hasher.hash(l.bytes)).collect();
    let seals = checks(
        &lines,
        &line_hashes,
        &hasher.genesis(&id),
        &id,
        allowed_signers,
    );
    let anchors: Vec<&Record> = lines
        .iter()
        .filter_map(|l| l.record.as_ref().ok())
        .filter(|r| r.kind == Kind::Anchor)
        .collect();
    if seals.is_empty() && anchors.is_empty() {
        return String::new();
    }
    let mut out = String::from("## Seals and anchors\n\n");
    if !seals.is_empty() {
        out.push_str(
            "| # | Point | Record | Covers | Key | Signature |\n|---|---|---|---|---|---|\n",
        );
        for s in &seals {
            out.push_str(&seal_row(s));
        }
        out.push('\n');
    }
    if let Some(last) = anchors.last() {
        out.push_str(&anchors_text(&anchors, last));
    }
    out
}

fn seal_row(s: &SealCheck) -> String {
    let verdict = if let Some(why) = &s.skipped {
        format!("skipped: {}", cell(why))
    } else {
        let sig = match &s.signature {
            Signature::Verified(p) => format!("✔ signature verified ({p})"),
            Signature::Failed(why) => format!("✖ {}", cell(why)),
            Signature::NotChecked => "not checked (no allowed_signers)".to_owned(),
        };
        if s.problems
            .iter()
            .any(|p| p.message.contains("does not match"))
        {
            format!("{sig}; ✖ the journal no longer matches it")
        } else {
            sig
        }
    };
    format!(
        "| {} | {} | {} | {} records (`{}`) | {} | {} |\n",
        s.ordinal,
        cell(&s.point),
        s.line,
        s.count,
        short(&s.last_hash),
        s.key.as_deref().map_or_else(|| "-".to_owned(), cell),
        verdict
    )
}

fn anchors_text(anchors: &[&Record], last: &Record) -> String {
    let get = |r: &Record, k: &str| {
        r.data
            .get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let name = get(last, "ref");
    let remote = get(last, "remote");
    let pushed = |r: &Record| r.data.get("pushed").and_then(Value::as_bool) == Some(true);
    let mut out = format!(
        "- Anchor ref: `{name}` ({} anchor(s), the last at {} records, commit `{}`)\n",
        anchors.len(),
        last.data.get("count").and_then(Value::as_u64).unwrap_or(0),
        get(last, "commit").get(..12).unwrap_or("-")
    );
    if remote.is_empty() {
        out.push_str("- Pushed: no remote (`[journal] remote` is not set)\n");
    } else {
        let ok = anchors.iter().filter(|r| pushed(r)).count();
        let last_push = if pushed(last) {
            "succeeded".to_owned()
        } else {
            format!("FAILED: {}", cell(&get(last, "error")))
        };
        let _ = writeln!(
            out,
            "- Pushed to: `{remote}` ({ok} of {} pushes succeeded; the last push {last_push})",
            anchors.len()
        );
    }
    out
}
