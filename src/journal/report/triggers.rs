//! The report's "Triggers" section: per trigger (a gate measured by a `watch` step), its
//! samples, pass / warn / fail / error counts, min / median / p95 / max, threshold and
//! baseline, and an SVG chart per trigger in `<report-stem>-charts/<gate>.svg` beside the
//! report, linked by a path relative to it.
//!
//! Median and p95 are defined in `model::trend` (the mean of the two middle values for an even
//! count; p95 by nearest rank). Thresholds are read from the runbook the release recorded
//! (as it is now); baselines from the journal's `baseline` records.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use super::{Source, cell, svg};
use crate::model::threshold::{self, Threshold};
use crate::model::trend::{Mark, Point, Stats, fmt_num, number};
use crate::release::StepStatus;
use crate::runbook::StepType;

/// Where the SVG charts of a report written to a file go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Charts {
    /// The directory, `<report-stem>-charts` beside the report.
    pub dir: PathBuf,
    /// Its name, relative to the report (for the Markdown links).
    pub link: String,
}

impl Charts {
    /// The charts of the report written to `report`.
    pub fn beside(report: &Path) -> Charts {
        let stem = report
            .file_stem()
            .map_or_else(|| "report".to_owned(), |s| s.to_string_lossy().into_owned());
        let link = format!("{stem}-charts");
        let dir = report.parent().unwrap_or(Path::new("")).join(&link);
        Charts { dir, link }
    }
}

/// A `baseline` record: the samples and their median.
#[derive(Debug, Clone, PartialEq)]
pub struct Baseline {
    pub samples: Vec<f64>,
    pub value: f64,
}

/// One trigger's measurements across the release's watches.
#[derive(Debug, Clone, PartialEq)]
pub struct Trigger {
    pub gate: String,
    /// The watch steps that measured it, in order.
    pub steps: Vec<String>,
    pub points: Vec<Point>,
    /// When its first watch started (the chart's time 0).
    pub start: DateTime<Utc>,
    /// The end of its last watch (or its last measurement).
    pub end: DateTime<Utc>,
    pub threshold: Option<Threshold>,
    pub baseline: Option<Baseline>,
}

impl Trigger {
    pub fn stats(&self) -> Stats {
        Stats::of(&self.points)
    }

    /// The chart, as an SVG document.
    #[allow(clippy::cast_precision_loss)]
    pub fn svg(&self) -> String {
        let secs = |t: DateTime<Utc>| (t - self.start).num_milliseconds() as f64 / 1000.0;
        let points: Vec<(f64, Mark, Option<f64>)> = self
            .points
            .iter()
            .map(|p| (secs(p.at), p.mark, p.value))
            .collect();
        let baseline = self.baseline.as_ref().map(|b| b.value);
        let threshold = self
            .threshold
            .as_ref()
            .and_then(|t| t.bound(baseline).map(|b| (b, t.condition.as_str())));
        let title = format!("{} · watch {}", self.gate, self.steps.join(", "));
        svg::chart(&svg::Spec {
            title: &title,
            points: &points,
            x_max: secs(self.end),
            threshold,
            baseline,
        })
    }
}

/// The file name of `gate`'s chart (characters other than `A-Z a-z 0-9 . _ -` become `_`).
pub fn file_name(gate: &str) -> String {
    let safe: String = gate
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("{}.svg", safe.trim_start_matches('.'))
}

/// A relative path for a Markdown link (spaces and the like percent-encoded).
fn link_path(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// Every trigger measured during a watch, in order of first measurement.
pub fn collect(src: &Source) -> Vec<Trigger> {
    let st = &src.state;
    let watches: BTreeMap<&str, &crate::release::StepState> = st
        .steps
        .iter()
        .chain(st.rollback_steps.iter())
        .filter(|s| s.kind == StepType::Watch)
        .map(|s| (s.id.as_str(), s))
        .collect();
    let thresholds = thresholds(src);
    let mut baselines: BTreeMap<String, Baseline> = BTreeMap::new();
    let mut out: Vec<Trigger> = Vec::new();
    for r in &src.records {
        let Some(at) = Source::at(r) else { continue };
        let gate = r.data.get("gate").and_then(|g| g.as_str());
        if r.kind.as_str() == "baseline" {
            if let (Some(g), Some(value)) = (gate, r.data.get("value").and_then(number)) {
                let samples = r
                    .data
                    .get("samples")
                    .and_then(|s| s.as_array())
                    .map(|a| a.iter().filter_map(number).collect())
                    .unwrap_or_default();
                baselines.insert(g.to_owned(), Baseline { samples, value });
            }
            continue;
        }
        let (Some(gate), Some(step)) = (gate, r.step.as_deref()) else {
            continue;
        };
        if r.kind != crate::journal::Kind::GateResult || !watches.contains_key(step) {
            continue;
        }
        let state = r.data.get("state").and_then(|s| s.as_str()).unwrap_or("");
        let point = Point {
            at,
            mark: Mark::parse(state),
            value: r.data.get("value").and_then(number),
        };
        let i = if let Some(i) = out.iter().position(|t| t.gate == gate) {
            i
        } else {
            out.push(Trigger {
                gate: gate.to_owned(),
                steps: Vec::new(),
                points: Vec::new(),
                start: at,
                end: at,
                threshold: thresholds.get(gate).cloned(),
                baseline: None,
            });
            out.len() - 1
        };
        let t = &mut out[i];
        if !t.steps.iter().any(|s| s == step) {
            t.steps.push(step.to_owned());
            if let Some(s) = watches.get(step) {
                window(t, s);
            }
        }
        t.end = t.end.max(at);
        t.points.push(point);
    }
    for t in &mut out {
        t.baseline = baselines.remove(&t.gate);
    }
    out
}

/// Widen the trigger's time span to the watch step `s` (its start and planned end).
fn window(t: &mut Trigger, s: &crate::release::StepState) {
    let Some(started) = s.started_at else { return };
    t.start = t.start.min(started);
    let planned = s
        .info
        .duration_ms
        .unwrap_or(0)
        .saturating_add(s.extended_ms);
    let end = match (&s.status, s.finished_at) {
        (StepStatus::Running, _) | (_, None) => {
            started + chrono::Duration::milliseconds(i64::try_from(planned).unwrap_or(0))
        }
        (_, Some(f)) => f,
    };
    t.end = t.end.max(end);
}

/// The runbook the release recorded, as it is now, and its gates' thresholds.
fn thresholds(src: &Source) -> BTreeMap<String, Threshold> {
    let Some(path) = runbook_path(src) else {
        return BTreeMap::new();
    };
    match crate::runbook::load_file(&path) {
        Ok(loaded) => loaded
            .runbook
            .gates
            .iter()
            .filter_map(|g| threshold::of_gate(&g.kind).map(|t| (g.id.clone(), t)))
            .collect(),
        Err(_) => BTreeMap::new(),
    }
}

/// The recorded runbook path; a relative one is tried as given, then beside the state
/// directory that holds the journal (`<dir>/.flightdeck/journal/<id>.jsonl`).
fn runbook_path(src: &Source) -> Option<PathBuf> {
    let recorded = src
        .records
        .first()
        .and_then(|r| r.data.get("runbook"))
        .and_then(|p| p.as_str())
        .map(PathBuf::from)?;
    if recorded.is_file() {
        return Some(recorded);
    }
    let beside = Path::new(&src.path)
        .parent()?
        .parent()?
        .parent()?
        .join(recorded.file_name()?);
    beside.is_file().then_some(beside)
}

fn num(v: Option<f64>) -> String {
    v.map_or_else(|| "-".to_owned(), fmt_num)
}

/// The section, with links to the charts in `charts` (when the report is written to a file).
pub fn section(out: &mut String, triggers: &[Trigger], charts: Option<&Charts>) {
    if triggers.is_empty() {
        out.push_str("No trigger was measured during a watch.\n\n");
        return;
    }
    out.push_str(
        "Every measurement of each trigger during its watch. Median: the middle value (the mean \
         of the two middle ones for an even count); p95: nearest rank, the value at rank \
         ⌈0.95·n⌉. Thresholds are the runbook's conditions.\n\n",
    );
    out.push_str("| Trigger | Watch | Samples | Pass | Warn | Fail | Error | Min | Median | p95 | Max | Threshold | Baseline |\n");
    out.push_str(
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n",
    );
    for t in triggers {
        let s = t.stats();
        let threshold = t
            .threshold
            .as_ref()
            .map_or_else(|| "-".to_owned(), |t| format!("`{}`", t.condition));
        let baseline = t.baseline.as_ref().map_or_else(
            || "-".to_owned(),
            |b| {
                let samples: Vec<String> = b.samples.iter().map(|v| fmt_num(*v)).collect();
                format!("{} (median of {})", fmt_num(b.value), samples.join(", "))
            },
        );
        let _ = writeln!(
            out,
            "| `{}` | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            cell(&t.gate),
            cell(&t.steps.join(", ")),
            s.samples,
            s.pass,
            s.warn,
            s.fail,
            s.error,
            num(s.min),
            num(s.median),
            num(s.p95),
            num(s.max),
            cell(&threshold),
            cell(&baseline)
        );
    }
    out.push('\n');
    match charts {
        Some(c) => {
            for t in triggers {
                let path = link_path(&format!("{}/{}", c.link, file_name(&t.gate)));
                let _ = writeln!(out, "![chart of `{}`]({path})\n", t.gate);
            }
        }
        None => out.push_str(
            "SVG charts of each trigger are written beside the report with `flightdeck report -o OUT` (in `OUT-STEM-charts/`).\n\n",
        ),
    }
}

/// Write each trigger's chart into `charts.dir`.
pub fn write_charts(triggers: &[Trigger], charts: &Charts) -> std::io::Result<()> {
    if triggers.is_empty() {
        return Ok(());
    }
    std::fs::create_dir_all(&charts.dir)?;
    for t in triggers {
        std::fs::write(charts.dir.join(file_name(&t.gate)), t.svg())?;
    }
    Ok(())
}

#[cfg(test)]
#[path = "triggers_tests.rs"]
mod tests;
