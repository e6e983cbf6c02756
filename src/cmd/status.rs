//! `flightdeck status`: evaluate every gate once (except `command` gates, which run only when a
//! step asks), show git revisions, and exit 0 only when every evaluated gate passes.
//!
//! `--json` prints one stable object (documented in docs/runbook.md):
//! `{"release": {...}, "gates": [...], "revisions": {"git": {...} | null, "sources": [...]},
//! "services": [], "hosts": []}`; each source is read once (see `status_revisions`), each
//! Docker host listed once (see `status_services`).

use std::io::Write;

use color_eyre::eyre::Result;
use futures::future::join_all;
use serde::Serialize;
use serde_json::Value;

use super::load::{load_resolved, opts_from, state_dir};
use super::{status_revisions, status_services};
use crate::cli::StatusArgs;
use crate::exec::gates::{self, GateCx, GateOutcome, GateState, fmt_num};
use crate::exec::resolve::Resolved;
use crate::model::revisions::SourceState;
use crate::runbook::{Gate, GateKind};

/// Why a `command` gate is not evaluated here.
pub const NOT_RUN: &str = "not run: command gates run only when a step asks";

/// One row: a gate and its outcome (`None`: not run).
pub struct Row<'a> {
    pub gate: &'a Gate,
    pub outcome: Option<GateOutcome>,
}

impl Row<'_> {
    /// A pass that fails the gate's `warn` condition (the warn band, DESIGN.md §10).
    fn warned(&self) -> bool {
        use crate::release::trigger::{Verdict, warn_band};
        let Some(o) = self.outcome.as_ref().filter(|o| o.state == GateState::Pass) else {
            return false;
        };
        let warn = self.gate.trigger.warn.as_deref();
        let warn = warn.and_then(|c| crate::runbook::condition::Condition::compile(c).ok());
        warn_band(Verdict::Pass, warn.as_ref(), &o.value).0 == Verdict::Warn
    }
    fn state(&self) -> &'static str {
        if self.warned() {
            return "warn";
        }
        self.outcome
            .as_ref()
            .map_or("not-run", |o| o.state.as_str())
    }
    fn mark(&self) -> &'static str {
        if self.warned() {
            return "⚠";
        }
        self.outcome.as_ref().map_or("·", |o| o.state.mark())
    }
    fn message(&self) -> &str {
        self.outcome
            .as_ref()
            .map_or(NOT_RUN, |o| o.message.as_str())
    }
    fn value(&self) -> Value {
        self.outcome
            .as_ref()
            .map_or(Value::Null, |o| o.value.clone())
    }
}

/// Evaluate every gate but `command` gates, concurrently, in runbook order.
pub async fn evaluate_all<'a>(gates: &'a [Gate], cx: &GateCx) -> Vec<Row<'a>> {
    let outcomes = join_all(gates.iter().map(|g| async move {
        match g.kind {
            GateKind::Command { .. } => None,
            _ => Some(gates::evaluate(g, cx).await),
        }
    }))
    .await;
    gates
        .iter()
        .zip(outcomes)
        .map(|(gate, outcome)| Row { gate, outcome })
        .collect()
}

pub async fn run(args: &StatusArgs, out: &mut impl Write, err: &mut impl Write) -> Result<i32> {
    let opts = opts_from(&args.runbook, None)?;
    let r = match load_resolved(&args.runbook.file, &opts, err)? {
        Ok(r) => r,
        Err(code) => return Ok(code),
    };
    for p in &r.problems {
        writeln!(err, "{p}")?;
    }
    let dir = state_dir(
        &args.runbook.file,
        args.runbook.state_dir.as_deref(),
        r.runbook.release.shared_group.clone(),
    );
    let cx = GateCx::from_resolved(&r, Some(dir));
    let (rows, sources) = tokio::join!(
        evaluate_all(&r.runbook.gates, &cx),
        status_revisions::read(&r)
    );
    let sources: Vec<&SourceState> = sources.sources.iter().collect();
    let services = status_services::read(&r).await;
    if args.json {
        let mut doc = to_json(&r, &rows, &sources);
        doc.services = services.services;
        doc.hosts = services.hosts;
        writeln!(out, "{}", serde_json::to_string_pretty(&doc)?)?;
    } else {
        table(&r, &rows, &sources, out)?;
        status_services::lines(&services, out)?;
    }
    let all_pass = rows
        .iter()
        .filter_map(|row| row.outcome.as_ref())
        .all(|o| o.state == GateState::Pass);
    Ok(i32::from(!all_pass))
}

/// The `--json` document, its keys in a fixed order.
#[derive(Debug, Serialize)]
pub struct StatusJson {
    pub release: ReleaseJson,
    pub gates: Vec<GateJson>,
    pub revisions: RevisionsJson,
    pub services: Vec<Value>,
    /// `{"name", "url", "state": "live" | "unreachable", "error"}` per Docker host.
    pub hosts: Vec<Value>,
}

#[derive(Debug, Serialize)]
pub struct ReleaseJson {
    pub name: String,
    pub environment: String,
    pub version: String,
}

#[derive(Debug, Serialize)]
pub struct GateJson {
    pub id: String,
    pub kind: &'static str,
    /// `pass`, `warn` (a pass in the warn band), `fail`, `error` or `not-run` (command gates).
    pub state: &'static str,
    pub value: Value,
    pub message: String,
}

#[derive(Debug, Serialize)]
pub struct RevisionsJson {
    /// Null without `[git]` (or when the repository cannot be read).
    pub git: Option<GitJson>,
    pub sources: Vec<Value>,
}

#[derive(Debug, Serialize)]
pub struct GitJson {
    pub head: Option<String>,
    pub current: Option<String>,
    pub previous: Option<String>,
    pub lkg: Option<String>,
}

pub fn to_json(r: &Resolved, rows: &[Row<'_>], sources: &[&SourceState]) -> StatusJson {
    let gates = rows
        .iter()
        .map(|row| GateJson {
            id: row.gate.id.clone(),
            kind: row.gate.kind.name(),
            state: row.state(),
            value: row.value(),
            message: row.message().to_owned(),
        })
        .collect();
    let git = match (&r.runbook.git, &r.git) {
        (Some(_), Some(g)) => Some(GitJson {
            head: g.head.clone(),
            current: g.current.clone(),
            previous: g.previous.clone(),
            lkg: g.lkg.clone(),
        }),
        _ => None,
    };
    StatusJson {
        release: ReleaseJson {
            name: r.runbook.release.name.clone(),
            environment: r.env_name.clone(),
            version: r.ctx.version.clone(),
        },
        gates,
        revisions: RevisionsJson {
            git,
            sources: sources
                .iter()
                .map(|s| status_revisions::source_json(s, &r.ctx.version))
                .collect(),
        },
        services: Vec::new(),
        hosts: Vec::new(),
    }
}

fn shown(v: &Value) -> String {
    match v {
        Value::Null => "-".into(),
        Value::String(s) => s.clone(),
        Value::Number(n) => n.as_f64().map_or_else(|| n.to_string(), fmt_num),
        other => other.to_string(),
    }
}

/// The human table.
pub fn table(
    r: &Resolved,
    rows: &[Row<'_>],
    sources: &[&SourceState],
    out: &mut impl Write,
) -> Result<()> {
    let env = if r.protected {
        r.env_name.to_uppercase()
    } else {
        r.env_name.clone()
    };
    writeln!(out, "{} {} → {env}", r.runbook.release.name, r.ctx.version)?;
    let cells: Vec<[String; 4]> = rows
        .iter()
        .map(|row| {
            [
                row.gate.id.clone(),
                row.gate.kind.name().to_owned(),
                row.state().to_owned(),
                shown(&row.value()),
            ]
        })
        .collect();
    let header = ["GATE", "KIND", "STATE", "VALUE"];
    let width = |i: usize| {
        cells
            .iter()
            .map(|c| c[i].chars().count())
            .chain([header[i].len()])
            .max()
            .unwrap_or(0)
    };
    let w = [width(0), width(1), width(2), width(3)];
    if rows.is_empty() {
        writeln!(out, "  no gates in this runbook")?;
    }
    if !rows.is_empty() {
        writeln!(
            out,
            "  {:<w0$}  {:<w1$}  {:<w2$}  {:<w3$}  MESSAGE",
            header[0],
            header[1],
            header[2],
            header[3],
            w0 = w[0],
            w1 = w[1],
            w2 = w[2],
            w3 = w[3]
        )?;
    }
    for (row, c) in rows.iter().zip(&cells) {
        writeln!(
            out,
            "{} {:<w0$}  {:<w1$}  {:<w2$}  {:<w3$}  {}",
            row.mark(),
            c[0],
            c[1],
            c[2],
            c[3],
            row.message(),
            w0 = w[0],
            w1 = w[1],
            w2 = w[2],
            w3 = w[3]
        )?;
    }
    if let (Some(_), Some(g)) = (&r.runbook.git, &r.git) {
        let d = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
        writeln!(
            out,
            "git HEAD {} · current {} · previous {} · lkg {}",
            d(&g.short),
            d(&g.current),
            d(&g.previous),
            d(&g.lkg)
        )?;
    }
    for s in sources {
        writeln!(out, "{}", status_revisions::source_line(s, &r.ctx.version))?;
    }
    let count = |s: GateState| {
        rows.iter()
            .filter(|r| r.outcome.as_ref().is_some_and(|o| o.state == s))
            .count()
    };
    let not_run = rows.iter().filter(|r| r.outcome.is_none()).count();
    writeln!(
        out,
        "status: {} pass, {} fail, {} error, {not_run} not run",
        count(GateState::Pass),
        count(GateState::Fail),
        count(GateState::Error)
    )?;
    Ok(())
}
