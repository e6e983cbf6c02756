//! The release-evidence record: who did what, when, with which evidence and results.

use std::fmt::Write as _;

use super::{Source, cell, human_ms, outcome, timeline};
use crate::release::{Event, Phase, StepState, StepStatus, replay};

fn fmt_time(t: Option<chrono::DateTime<chrono::Utc>>) -> String {
    t.map_or("-".to_owned(), |t| {
        t.format("%Y-%m-%d %H:%M:%S UTC").to_string()
    })
}

fn step_section(out: &mut String, n: usize, s: &StepState, src: &Source, phase: Phase) {
    let _ = writeln!(out, "### {n}. `{}` — {}\n", s.id, s.title);
    let status = match &s.status {
        StepStatus::Failed(r) => format!("✖ failed: {r}"),
        StepStatus::Skipped(r) => format!("↷ skipped: {r}"),
        other => format!("{} {}", other.mark(), other.label()),
    };
    let _ = writeln!(out, "- Status: {status}");
    let _ = writeln!(out, "- Kind: {} · attempts: {}", s.kind, s.attempts);
    if let Some(ms) = s.duration_ms {
        let _ = writeln!(out, "- Duration: {}", human_ms(ms));
    }
    if let Some(code) = s.exit_code {
        let _ = writeln!(out, "- Exit code: {code}");
    }
    if let Some(e) = &s.evidence {
        let _ = writeln!(out, "- Evidence: {e}");
    }
    if let Some((name, reason)) = &s.approval {
        let _ = writeln!(out, "- Approved by: {name} — {reason}");
    }
    if let Some(n) = &s.note {
        let _ = writeln!(out, "- Note: {n}");
    }
    // Captures made by this step.
    for r in &src.records {
        if r.step.as_deref() == Some(s.id.as_str())
            && let Ok((
                Event::StepFinished {
                    captures, phase: p, ..
                },
                _,
            )) = replay::event_of(r)
            && p == phase
        {
            for (k, v) in captures {
                let _ = writeln!(out, "- Captured `{k}`: `{v}`");
            }
        }
    }
    if !s.output_tail.is_empty() {
        let _ = writeln!(
            out,
            "- Last {} output lines:\n\n```text",
            s.output_tail.len()
        );
        for l in &s.output_tail {
            let _ = writeln!(out, "{l}");
        }
        let _ = writeln!(out, "```");
    }
    out.push('\n');
}

pub fn render(src: &Source, charts: Option<&super::triggers::Charts>) -> String {
    let st = &src.state;
    let mut out = String::new();
    let env = if st.protected {
        st.environment.to_uppercase()
    } else {
        st.environment.clone()
    };
    let _ = writeln!(
        out,
        "# Release evidence: {} {} → {env}\n",
        st.name, st.version
    );
    let duration = match (st.started_at, st.finished_at) {
        (Some(a), Some(b)) => human_ms(u64::try_from((b - a).num_milliseconds()).unwrap_or(0)),
        _ => "-".to_owned(),
    };
    let rows = [
        ("Release id", src.id.clone()),
        ("Release", st.name.clone()),
        (
            "Environment",
            format!(
                "{}{}",
                st.environment,
                if st.protected { " (protected)" } else { "" }
            ),
        ),
        ("Version", st.version.clone()),
        (
            "Previous version",
            st.previous.clone().unwrap_or_else(|| "-".into()),
        ),
        (
            "Last known good",
            st.lkg.clone().unwrap_or_else(|| "-".into()),
        ),
        ("Outcome", outcome(st).to_owned()),
        ("Started", fmt_time(st.started_at)),
        ("Finished", fmt_time(st.finished_at)),
        ("Duration", duration),
        ("Operators and hosts", src.people().join(", ")),
    ];
    let _ = writeln!(out, "| | |\n| --- | --- |");
    for (k, v) in rows {
        let _ = writeln!(out, "| {k} | {} |", cell(&v));
    }
    out.push_str(
        "\n## Steps\n\n| # | Step | Kind | Status | Duration |\n| --- | --- | --- | --- | --- |\n",
    );
    for (i, s) in st.steps.iter().enumerate() {
        let d = s.duration_ms.map(human_ms).unwrap_or_default();
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} {} | {d} |",
            i + 1,
            cell(&s.title),
            s.kind,
            s.status.mark(),
            s.status.label()
        );
    }
    out.push('\n');
    for (i, s) in st.steps.iter().enumerate() {
        step_section(&mut out, i + 1, s, src, Phase::Main);
    }
    out.push_str(&super::approvals::section(src));
    gates_section(&mut out, src, charts);
    rollback_section(&mut out, src);
    out.push_str("## Timeline\n\n");
    for e in timeline(src) {
        let _ = writeln!(
            out,
            "- {} · {} · {}",
            e.at.format("%H:%M:%S"),
            e.operator,
            e.text
        );
    }
    out.push('\n');
    out.push_str(&src.integrity());
    out
}

fn gates_section(out: &mut String, src: &Source, charts: Option<&super::triggers::Charts>) {
    let mut gates = String::new();
    let mut triggers = String::new();
    for r in &src.records {
        let Ok((ev, at)) = replay::event_of(r) else {
            continue;
        };
        match ev {
            Event::GateResult {
                step,
                gate,
                state,
                value,
                message,
                ..
            } => {
                let _ = writeln!(
                    gates,
                    "| {} | {gate} | {} | {state} | {} | {} |",
                    at.format("%H:%M:%S"),
                    step.as_deref().unwrap_or("background"),
                    cell(&value.to_string()),
                    cell(&message)
                );
            }
            Event::TriggerTripped {
                gate,
                message,
                measurements,
                ..
            } => {
                let _ = writeln!(
                    triggers,
                    "- {} · `{gate}` tripped: {message}",
                    at.format("%H:%M:%S")
                );
                for m in measurements {
                    let _ = writeln!(triggers, "  - {m}");
                }
            }
            Event::TriggerInconclusive { gate, message, .. } => {
                let _ = writeln!(
                    triggers,
                    "- {} · `{gate}` inconclusive: {message}",
                    at.format("%H:%M:%S")
                );
            }
            _ => {}
        }
    }
    out.push_str("## Gate results\n\n");
    if gates.is_empty() {
        out.push_str("No gate was evaluated.\n\n");
    } else {
        out.push_str("| Time | Gate | Step | State | Value | Message |\n| --- | --- | --- | --- | --- | --- |\n");
        out.push_str(&gates);
        out.push('\n');
    }
    out.push_str("## Triggers\n\n");
    super::triggers::section(out, &super::triggers::collect(src), charts);
    out.push_str("### Trips\n\n");
    if triggers.is_empty() {
        out.push_str("No trigger tripped.\n\n");
    } else {
        out.push_str(&triggers);
        out.push('\n');
    }
}

fn rollback_section(out: &mut String, src: &Source) {
    let st = &src.state;
    out.push_str("## Rollback\n\n");
    let mut armed = None;
    let mut confirmed = None;
    for r in &src.records {
        match replay::event_of(r) {
            Ok((Event::RollbackArmed { reason, .. }, at)) => armed = Some((reason, at)),
            Ok((Event::RollbackConfirmed { by, target }, at)) => confirmed = Some((by, target, at)),
            _ => {}
        }
    }
    let Some((by, target, at)) = confirmed else {
        out.push_str("No rollback was run.\n\n");
        return;
    };
    if let Some((reason, at)) = armed {
        let _ = writeln!(out, "- Armed at {} by: {reason}", at.format("%H:%M:%S"));
    }
    let _ = writeln!(
        out,
        "- Confirmed at {} by {by} → {}",
        at.format("%H:%M:%S"),
        target.as_deref().unwrap_or("(no target)")
    );
    out.push('\n');
    for (i, s) in st.rollback_steps.iter().enumerate() {
        step_section(out, i + 1, s, src, Phase::Rollback);
    }
}
