//! `flightdeck journal list | show | verify`: the text the binary prints, and exit codes.

use std::io::Write;
use std::path::Path;

use color_eyre::eyre::{Result, eyre};

use super::hash::Hasher;
use super::reader::{TornTail, read};
use super::record::{Kind, Record};
use super::state_dir::StateDir;
use super::verify::{TrustCheck, VerifyReport, verify_with};

/// One line per release, newest first: id, record count, outcome (or "unfinished").
pub fn list(dir: &StateDir, out: &mut impl Write) -> Result<i32> {
    let entries = dir.list()?;
    if entries.is_empty() {
        writeln!(out, "no releases in {}", dir.journal_dir().display())?;
        return Ok(0);
    }
    let width = entries.iter().map(|e| e.id.len()).max().unwrap_or(0);
    for entry in entries {
        let (records, status) = match read(&entry.path) {
            Ok(outcome) => (outcome.records.len().to_string(), status(&outcome.records)),
            Err(_) => (
                "?".to_owned(),
                "damaged (run `flightdeck journal verify`)".to_owned(),
            ),
        };
        writeln!(out, "{:<width$}  {records:>6} records  {status}", entry.id)?;
    }
    Ok(0)
}

fn status(records: &[Record]) -> String {
    records
        .iter()
        .rev()
        .find(|r| r.kind == Kind::ReleaseFinished)
        .map_or_else(
            || "unfinished".to_owned(),
            |r| match r.data.get("outcome") {
                Some(serde_json::Value::String(s)) => s.clone(),
                Some(other) => other.to_string(),
                None => "finished".to_owned(),
            },
        )
}

/// Prints a journal for humans: `seq  hh:mm:ss.mmm  operator  kind  step  data`.
pub fn show(dir: &StateDir, id_or_latest: &str, out: &mut impl Write) -> Result<i32> {
    let path = dir.resolve(id_or_latest)?;
    let outcome = read(&path)?;
    for r in &outcome.records {
        let time = r.ts.get(11..23).unwrap_or(&r.ts);
        let step = r.step.as_deref().unwrap_or("-");
        writeln!(
            out,
            "{:>4}  {time}  {}  {}  {step}  {}",
            r.seq, r.operator, r.kind, r.data
        )?;
    }
    if let Some(torn) = outcome.torn_tail {
        writeln!(out, "{}", torn_warning(&path, torn))?;
    }
    Ok(0)
}

/// Verifies one release (or every release when `id` is `None`) with the key from the
/// environment. Exit code 0 when all verify, 1 when any has a problem.
///
/// Signed approvals are checked against `signers` (an `allowed_signers` file); without one,
/// a journal that has them does not verify (the signatures were not checked).
pub fn verify_cmd(
    dir: &StateDir,
    id: Option<&str>,
    signers: Option<&Path>,
    out: &mut impl Write,
    err: &mut impl Write,
) -> Result<i32> {
    let trust = TrustCheck {
        allowed_signers: signers.map(Path::to_path_buf),
        signatures: true,
        ..TrustCheck::default()
    };
    verify_full(dir, id, &Hasher::from_env(), &trust, out, err)
}

/// [`verify_cmd`] with an explicit hasher and no `allowed_signers`.
pub fn verify_cmd_with(
    dir: &StateDir,
    id: Option<&str>,
    hasher: &Hasher,
    out: &mut impl Write,
    err: &mut impl Write,
) -> Result<i32> {
    let trust = TrustCheck {
        signatures: true,
        ..TrustCheck::default()
    };
    verify_full(dir, id, hasher, &trust, out, err)
}

/// [`verify_cmd`], checking seals and anchors as `trust` says.
pub fn verify_cmd_trusted(
    dir: &StateDir,
    id: Option<&str>,
    trust: &TrustCheck,
    out: &mut impl Write,
    err: &mut impl Write,
) -> Result<i32> {
    verify_full(dir, id, &Hasher::from_env(), trust, out, err)
}

fn verify_full(
    dir: &StateDir,
    id: Option<&str>,
    hasher: &Hasher,
    trust: &TrustCheck,
    out: &mut impl Write,
    err: &mut impl Write,
) -> Result<i32> {
    let paths = match id {
        Some(id) => vec![dir.resolve(id)?],
        None => dir.list()?.into_iter().map(|e| e.path).collect(),
    };
    if paths.is_empty() {
        return Err(eyre!(
            "no releases in {}; run `flightdeck run` first",
            dir.journal_dir().display()
        ));
    }
    let mut code = 0;
    for path in paths {
        let report = verify_with(&path, hasher, trust);
        print_report(&path, &report, out, err)?;
        if !report.ok() {
            code = 1;
        }
    }
    Ok(code)
}

fn print_report(
    path: &Path,
    report: &VerifyReport,
    out: &mut impl Write,
    err: &mut impl Write,
) -> Result<()> {
    let file = path.display();
    for p in &report.problems {
        if p.line == 0 {
            writeln!(err, "FAIL: {file}: {}", p.message)?;
        } else {
            writeln!(err, "FAIL: {file}:{}: {}", p.line, p.message)?;
        }
    }
    if let Some(torn) = report.torn_tail {
        writeln!(err, "{}", torn_warning(path, torn))?;
    }
    for n in &report.notes {
        writeln!(err, "note: {file}: {n}")?;
    }
    for a in report.signatures.iter().flat_map(|s| &s.approvals) {
        writeln!(out, "approval {} (record {}): {}", a.step, a.seq, a.label())?;
    }
    if report.ok() {
        let id = path
            .file_stem()
            .map(|s| s.to_string_lossy())
            .unwrap_or_default();
        let hash = report.final_hash.as_deref().unwrap_or("(none: no records)");
        writeln!(
            out,
            "ok: {id} — {} records, final hash {hash}",
            report.records
        )?;
    }
    Ok(())
}

fn torn_warning(path: &Path, torn: TornTail) -> String {
    format!(
        "warning: {}:{}: torn last line ({} bytes; the process stopped mid-write) — everything before it is intact",
        path.display(),
        torn.line_no,
        torn.bytes
    )
}
