//! One journaled event as a line of plain output.

use std::collections::BTreeMap;

use crate::release::{Event, Outcome, Phase, ReleaseState};

fn step_pos(st: &ReleaseState, phase: Phase, id: &str) -> String {
    let list = st.list(phase);
    let n = st.find(phase, id).map_or(0, |i| i + 1);
    let p = if phase == Phase::Rollback {
        "rollback "
    } else {
        ""
    };
    format!("[{p}{n}/{}] {id}", list.len())
}

/// One event as plain text, or None for events not worth a line.
pub fn describe(ev: &Event, st: &ReleaseState) -> Option<String> {
    Some(match ev {
        Event::ReleaseStarted {
            name,
            environment,
            version,
            release_id,
            protected,
            ..
        } => {
            let env = if *protected {
                environment.to_uppercase()
            } else {
                environment.clone()
            };
            format!("release {name} {version} → {env} (journal {release_id})")
        }
        Event::StepStarted {
            step,
            phase,
            attempt,
        } => step_started(st, *phase, step, *attempt),
        Event::Output { step, lines, .. } => lines
            .iter()
            .map(|l| format!("  {step} │ {l}"))
            .collect::<Vec<_>>()
            .join("\n"),
        Event::StepFinished {
            step,
            phase,
            outcome,
            reason,
            duration_ms,
            captures,
            ..
        } => step_finished(
            &step_pos(st, *phase, step),
            *outcome,
            reason.as_deref(),
            *duration_ms,
            captures,
        ),
        Event::Evidence { step, note, source } => {
            format!("  evidence for {step} ({source}): {note}")
        }
        // A signed one (DESIGN.md §9.2), verified before it was journaled.
        Event::Approval { key: Some(_), .. } => crate::ui::approvals::recorded(ev, st)?,
        Event::Approval {
            step,
            name,
            reason,
            source,
            ..
        } => {
            format!("  {step} approved by {name} ({source}): {reason}")
        }
        Event::Skip {
            step,
            phase,
            reason,
        } => format!("↷ {} skipped: {reason}", step_pos(st, *phase, step)),
        Event::Note {
            action, text, step, ..
        } => note(action.as_deref(), step.as_deref(), text),
        // A step's gate results are already in its output lines.
        Event::GateResult { step: Some(_), .. } => return None,
        Event::GateResult {
            gate,
            state,
            message,
            ..
        } => format!("  gate {gate}: {state} — {message}"),
        Event::TriggerTripped { gate, message, .. } => format!("trigger {gate} tripped: {message}"),
        Event::TriggerInconclusive { gate, message, .. } => {
            format!("trigger {gate} inconclusive: {message}")
        }
        Event::RollbackArmed { reason, target } => format!(
            "rollback armed → {}: {reason}",
            target.as_deref().unwrap_or("(no target)")
        ),
        Event::RollbackConfirmed { by, target } => format!(
            "rollback confirmed by {by} → {}",
            target.as_deref().unwrap_or("(no target)")
        ),
        Event::RollbackStarted { .. } => "rollback started".to_owned(),
        Event::RollbackFinished { outcome } => {
            format!("rollback finished: {outcome:?}").to_lowercase()
        }
        Event::DockerAction { action, .. } => format!("  docker: {action}"),
        Event::OperatorDisconnected { reason } => format!("operator disconnected: {reason}"),
        Event::LockTakenOver { previous_holder } => {
            format!("lock taken over from {previous_holder}")
        }
        Event::ReleaseFinished { outcome } => format!("release {}", outcome.as_str()),
        Event::Seal { .. } | Event::SealSkipped { .. } | Event::Anchor { .. } => {
            crate::journal::report::seals::line(ev)?
        }
        Event::Baseline { .. } | Event::Notification { .. } => return watch_record(ev),
    })
}

/// A `baseline` or `notification` record as a line.
fn watch_record(ev: &Event) -> Option<String> {
    Some(match ev {
        Event::Baseline {
            step,
            gate,
            samples,
            value,
            error,
        } => format!(
            "  {}",
            crate::release::update::baseline::summary(
                gate,
                step,
                samples,
                *value,
                error.as_deref()
            )
        ),
        Event::Notification {
            event,
            url,
            attempt,
            delivered,
            status,
            error,
            ..
        } => format!(
            "  {}",
            crate::release::update::notify::attempt_line(
                *event,
                url,
                *attempt,
                *delivered,
                *status,
                error.as_deref(),
            )
        ),
        _ => return None,
    })
}

fn step_started(st: &ReleaseState, phase: Phase, step: &str, attempt: u32) -> String {
    let title = st
        .find(phase, step)
        .map(|i| st.list(phase)[i].title.clone());
    let mut again = if attempt > 1 {
        format!(" (attempt {attempt})")
    } else {
        String::new()
    };
    if st
        .find(phase, step)
        .is_some_and(|i| st.list(phase)[i].is_background())
    {
        again.push_str(" (in the background: the next steps run while it watches)");
    }
    format!(
        "▶ {} — {}{again}",
        step_pos(st, phase, step),
        title.unwrap_or_default()
    )
}

/// `pos` is the step's place, from [`step_pos`].
fn step_finished(
    pos: &str,
    outcome: Outcome,
    reason: Option<&str>,
    duration_ms: u64,
    captures: &BTreeMap<String, String>,
) -> String {
    let how = match outcome {
        Outcome::Succeeded => {
            #[allow(clippy::cast_precision_loss)]
            let secs = duration_ms as f64 / 1000.0;
            let caps = if captures.is_empty() {
                String::new()
            } else {
                let c: Vec<String> = captures.iter().map(|(k, v)| format!("{k}={v}")).collect();
                format!(" · captured {}", c.join(", "))
            };
            return format!("✔ {pos} succeeded in {secs:.1}s{caps}");
        }
        Outcome::Cancelled => "cancelled",
        Outcome::TimedOut => "timed out",
        Outcome::Failed => "failed",
    };
    format!("✖ {pos} {how}: {}", reason.unwrap_or("failed"))
}

/// The answers file by its size; any other note as its text, on its step if it has one.
fn note(action: Option<&str>, step: Option<&str>, text: &str) -> String {
    if action == Some("answers") {
        return format!("answers file journaled ({} bytes)", text.len());
    }
    match step {
        Some(s) => format!("  note on {s}: {text}"),
        None => format!("  note: {text}"),
    }
}
