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
pub fn timeline(src: &Source) -> Vec<Entry> {
    let mut out = Vec::new();
    for r in &src.records {
        let Ok((ev, at)) = replay::event_of(r) else {
            continue;
        };
        let Some((role, text)) = describe(&ev) else {
            continue;
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

/// The role and text of one event; None for output and the start of the release.
fn describe(ev: &Event) -> Option<(&'static str, String)> {
    Some(match ev {
        Event::Output { .. } | Event::ReleaseStarted { .. } => return None,
        Event::StepStarted { step, attempt, .. } if *attempt > 1 => (
            "action",
            format!("step `{step}` retried (attempt {attempt})"),
        ),
        Event::StepStarted { step, .. } => ("event", format!("step `{step}` started")),
        Event::StepFinished {
            step,
            outcome,
            reason,
            ..
        } => step_finished(step, *outcome, reason.as_deref()),
        Event::Evidence { step, note, .. } => ("event", format!("evidence for `{step}`: {note}")),
        Event::Approval {
            step, name, reason, ..
        } => ("event", format!("`{step}` approved by {name}: {reason}")),
        Event::Skip { step, reason, .. } => ("action", format!("step `{step}` skipped: {reason}")),
        Event::Note {
            action, step, text, ..
        } => note(action.as_deref(), step.as_deref(), text),
        Event::GateResult {
            gate,
            state,
            message,
            ..
        } => ("event", format!("gate `{gate}`: {state} — {message}")),
        Event::TriggerTripped { gate, message, .. } => {
            ("detection", format!("trigger `{gate}` tripped: {message}"))
        }
        Event::TriggerInconclusive { gate, message, .. } => (
            "detection",
            format!("trigger `{gate}` inconclusive: {message}"),
        ),
        Event::RollbackArmed { reason, target } => (
            "detection",
            format!(
                "rollback armed → {}: {reason}",
                or_no_target(target.as_deref())
            ),
        ),
        Event::RollbackConfirmed { by, target } => (
            "action",
            format!(
                "rollback confirmed by {by} → {}",
                or_no_target(target.as_deref())
            ),
        ),
        Event::RollbackStarted { .. } => ("action", "rollback started".to_owned()),
        Event::RollbackFinished { outcome } => rollback_finished(*outcome),
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
        Event::Seal { .. } | Event::SealSkipped { .. } | Event::Anchor { .. } => {
            ("event", super::seals::line(ev)?)
        }
        Event::Baseline {
            step,
            gate,
            samples,
            value,
            error,
        } => (
            "event",
            crate::release::update::baseline::summary(
                gate,
                step,
                samples,
                *value,
                error.as_deref(),
            ),
        ),
        Event::Notification {
            event,
            url,
            attempt,
            delivered,
            status,
            error,
            ..
        } => (
            "event",
            crate::release::update::notify::attempt_line(
                *event,
                url,
                *attempt,
                *delivered,
                *status,
                error.as_deref(),
            ),
        ),
    })
}

/// A step that succeeded is an event; any other end is a detection.
fn step_finished(step: &str, outcome: Outcome, reason: Option<&str>) -> (&'static str, String) {
    let how = match outcome {
        Outcome::Succeeded => return ("event", format!("step `{step}` succeeded")),
        Outcome::Cancelled => "was cancelled",
        Outcome::TimedOut => "timed out",
        Outcome::Failed => "failed",
    };
    (
        "detection",
        format!("step `{step}` {how}: {}", reason.unwrap_or("-")),
    )
}

/// A note: a step marked done is an action; the answers file and free notes are events.
fn note(action: Option<&str>, step: Option<&str>, text: &str) -> (&'static str, String) {
    match action {
        Some("mark-done") => (
            "action",
            format!("step `{}` marked done: {text}", step.unwrap_or("-")),
        ),
        Some("answers") => ("event", "answers file recorded".to_owned()),
        _ => ("event", format!("note: {text}")),
    }
}

fn rollback_finished(outcome: Outcome) -> (&'static str, String) {
    let how = if outcome == Outcome::Succeeded {
        "succeeded"
    } else {
        "failed"
    };
    ("resolution", format!("rollback finished: {how}"))
}

fn or_no_target(target: Option<&str>) -> &str {
    target.unwrap_or("(no target)")
}
