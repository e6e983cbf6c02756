//! The timeline of a release from its journal: one entry per meaningful record (no output).

use chrono::{DateTime, Utc};

use super::Source;
use crate::release::{Event, Outcome, replay};

/// One line of the timeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub at: DateTime<Utc>,
    pub operator: String,
    /// `detection`, `action` or `resolution` (for the incident report), else `event`.
    pub role: &'static str,
    pub text: String,
}

/// Every record but output, as text, in order.
#[allow(clippy::too_many_lines)] // one arm per event kind
pub fn timeline(src: &Source) -> Vec<Entry> {
    let mut out = Vec::new();
    for r in &src.records {
        let Ok((ev, at)) = replay::event_of(r) else {
            continue;
        };
        let (role, text) = match &ev {
            Event::Output { .. } | Event::ReleaseStarted { .. } => continue,
            Event::StepStarted { step, attempt, .. } if *attempt > 1 => (
                "action",
                format!("step `{step}` retried (attempt {attempt})"),
            ),
            Event::StepStarted { step, .. } => ("event", format!("step `{step}` started")),
            Event::StepFinished {
                step,
                outcome: Outcome::Succeeded,
                ..
            } => ("event", format!("step `{step}` succeeded")),
            Event::StepFinished {
                step,
                outcome,
                reason,
                ..
            } => (
                "detection",
                format!(
                    "step `{step}` {}: {}",
                    match outcome {
                        Outcome::Cancelled => "was cancelled",
                        Outcome::TimedOut => "timed out",
                        _ => "failed",
                    },
                    reason.as_deref().unwrap_or("-")
                ),
            ),
            Event::Evidence { step, note, .. } => {
                ("event", format!("evidence for `{step}`: {note}"))
            }
            Event::Approval {
                step, name, reason, ..
            } => ("event", format!("`{step}` approved by {name}: {reason}")),
            Event::Skip { step, reason, .. } => {
                ("action", format!("step `{step}` skipped: {reason}"))
            }
            Event::Note {
                action: Some(a),
                step,
                text,
                ..
            } if a == "mark-done" => (
                "action",
                format!(
                    "step `{}` marked done: {text}",
                    step.as_deref().unwrap_or("-")
                ),
            ),
            Event::Note {
                action: Some(a), ..
            } if a == "answers" => ("event", "answers file recorded".to_owned()),
            Event::Note { text, .. } => ("event", format!("note: {text}")),
            Event::GateResult {
                gate,
                state,
                message,
                ..
            } => ("event", format!("gate `{gate}`: {state} — {message}")),
            Event::TriggerTripped { gate, message, .. } => {
                ("detection", format!("trigger `{gate}` tripped: {message}"))
            }
            Event::TriggerInconclusive { gate, message } => (
                "detection",
                format!("trigger `{gate}` inconclusive: {message}"),
            ),
            Event::RollbackArmed { reason, target } => (
                "detection",
                format!(
                    "rollback armed → {}: {reason}",
                    target.as_deref().unwrap_or("(no target)")
                ),
            ),
            Event::RollbackConfirmed { by, target } => (
                "action",
                format!(
                    "rollback confirmed by {by} → {}",
                    target.as_deref().unwrap_or("(no target)")
                ),
            ),
            Event::RollbackStarted { .. } => ("action", "rollback started".to_owned()),
            Event::RollbackFinished { outcome } => (
                "resolution",
                format!(
                    "rollback finished: {}",
                    if *outcome == Outcome::Succeeded {
                        "succeeded"
                    } else {
                        "failed"
                    }
                ),
            ),
            Event::DockerAction { action, .. } => ("action", format!("docker: {action}")),
            Event::OperatorDisconnected { reason } => {
                ("event", format!("operator disconnected: {reason}"))
            }
            Event::LockTakenOver { previous_holder } => {
                ("action", format!("lock taken over from {previous_holder}"))
            }
            Event::ReleaseFinished { outcome } => {
                ("resolution", format!("release {}", outcome.as_str()))
            }
        };
        out.push(Entry {
            at,
            operator: r.operator.clone(),
            role,
            text,
        });
    }
    out
}
