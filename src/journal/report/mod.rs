//! Reports from a journal (Markdown): the release-evidence record, the incident report
//! (seed 004's template, timeline filled in from the journal) and the rollback-drill record.

mod approvals;
mod drill;
mod evidence;
mod incident;
pub mod seals;
mod svg;
mod timeline;
pub mod triggers;

use std::collections::BTreeSet;
use std::path::Path;

use chrono::{DateTime, Utc};
use color_eyre::eyre::{Result, eyre};

use super::{Hasher, Record, read, verify};
use crate::release::{ReleaseOutcome, ReleasePhase, ReleaseState, replay};

pub use timeline::{Entry, timeline};

/// A journal read back for reporting.
pub struct Source {
    pub id: String,
    pub path: String,
    pub records: Vec<Record>,
    pub state: ReleaseState,
    /// The journal's final hash, and what `verify` says.
    pub final_hash: Option<String>,
    pub verify_ok: bool,
    pub problems: Vec<String>,
    /// The "Seals and anchors" section (empty when the journal has neither).
    pub seals: String,
    /// The `allowed_signers` file approval signatures are checked against (the runbook's).
    pub allowed_signers: Option<std::path::PathBuf>,
}

impl Source {
    /// Read and verify the journal at `path`.
    pub fn load(path: &Path, hasher: &Hasher) -> Result<Source> {
        Self::load_with(path, hasher, None)
    }

    /// [`Source::load`], verifying seal signatures against `allowed_signers`.
    pub fn load_with(
        path: &Path,
        hasher: &Hasher,
        allowed_signers: Option<&Path>,
    ) -> Result<Source> {
        let out = read(path)?;
        let state =
            replay::from_records(&out.records).map_err(|e| eyre!("{}: {e}", path.display()))?;
        let rep = verify(path, hasher);
        let id = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default()
            .to_owned();
        Ok(Source {
            id,
            path: path.display().to_string(),
            records: out.records,
            state,
            final_hash: rep.final_hash.clone(),
            verify_ok: rep.ok(),
            problems: rep
                .problems
                .iter()
                .map(|p| format!("line {}: {}", p.line, p.message))
                .collect(),
            seals: seals::section(path, hasher, allowed_signers),
            allowed_signers: None,
        })
    }

    /// Operators and hosts that appear in the journal.
    pub fn people(&self) -> Vec<String> {
        let set: BTreeSet<String> = self
            .records
            .iter()
            .map(|r| format!("{}@{}", r.operator, r.host))
            .collect();
        set.into_iter().collect()
    }

    /// The time of a record.
    pub fn at(r: &Record) -> Option<DateTime<Utc>> {
        DateTime::parse_from_rfc3339(&r.ts)
            .ok()
            .map(|t| t.with_timezone(&Utc))
    }

    /// The integrity section shared by every report.
    pub fn integrity(&self) -> String {
        let verdict = if self.verify_ok {
            "passes".to_owned()
        } else {
            format!("FAILS — {}", self.problems.join("; "))
        };
        let seals = if self.seals.is_empty() {
            String::new()
        } else {
            format!("\n{}", self.seals)
        };
        format!(
            "## Integrity\n\n- Journal: `{}` ({} records)\n- Final hash: `{}`\n- `flightdeck journal verify`: {verdict}\n{seals}",
            self.path,
            self.records.len(),
            self.final_hash.as_deref().unwrap_or("-")
        )
    }
}

/// The outcome in words.
pub fn outcome(st: &ReleaseState) -> &'static str {
    match st.phase {
        ReleasePhase::Finished(ReleaseOutcome::Completed) => "completed",
        ReleasePhase::Finished(ReleaseOutcome::RolledBack) => "rolled back",
        ReleasePhase::Finished(ReleaseOutcome::Abandoned) => "abandoned",
        ReleasePhase::RollingBack => "rolling back (unfinished)",
        ReleasePhase::InProgress => "in progress (unfinished)",
        ReleasePhase::NotStarted => "not started",
    }
}

/// `1h 2m 3s`, `4.2s`, `120ms`.
pub fn human_ms(ms: u64) -> String {
    if ms < 1000 {
        return format!("{ms}ms");
    }
    if ms < 60_000 {
        #[allow(clippy::cast_precision_loss)]
        return format!("{:.1}s", ms as f64 / 1000.0);
    }
    humantime::format_duration(std::time::Duration::from_secs(ms / 1000)).to_string()
}

/// Which report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Evidence,
    Incident,
    Drill,
}

/// Render a report of `src` (for stdout: the trigger charts are not linked).
pub fn render(src: &Source, kind: Kind) -> String {
    match kind {
        Kind::Evidence => evidence::render(src, None),
        Kind::Incident => incident::render(src),
        Kind::Drill => drill::render(src),
    }
}

/// Write the report of `src` to `path`; an evidence report's trigger charts (SVG) go beside it,
/// in `<stem>-charts/`, linked from the Markdown.
pub fn write(src: &Source, kind: Kind, path: &Path) -> Result<()> {
    use color_eyre::eyre::WrapErr;
    let text = if kind == Kind::Evidence {
        let charts = triggers::Charts::beside(path);
        triggers::write_charts(&triggers::collect(src), &charts)
            .wrap_err_with(|| format!("cannot write the charts in {}", charts.dir.display()))?;
        evidence::render(src, Some(&charts))
    } else {
        render(src, kind)
    };
    std::fs::write(path, text).wrap_err_with(|| format!("cannot write {}", path.display()))
}

/// Escape a value for a Markdown table cell.
pub fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}
