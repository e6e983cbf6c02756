//! The line a waiting approval step shows (DESIGN.md §9.2), in the cockpit's checklist, in
//! `observe` (the same screen) and as a plain-mode line:
//! `waiting: 1/2 approvals (bob ✔ · alice: operator, cannot approve) · flightdeck approve cab`.

use std::fmt::Write as _;

use crate::release::{Event, ReleaseState, StepState, StepStatus};
use crate::runbook::StepType;

/// What the running approval step `s` waits for; `None` when it is not one, or when the release
/// has no `[trust]` and needs a single approval (the classic typed prompt).
pub fn waiting_line(st: &ReleaseState, s: &StepState) -> Option<String> {
    if s.kind != StepType::Approval || s.status != StepStatus::Running {
        return None;
    }
    let trust = &st.trust;
    let need = s.approvals_needed();
    if trust.operator_principals.is_empty() && need == 1 {
        return None;
    }
    let mut who: Vec<String> = s
        .approvals
        .iter()
        .map(|a| format!("{} ✔", a.principal))
        .collect();
    if !s.info.self_approval {
        let approvers = s.info.approvers.as_ref();
        let operator = trust
            .operator_principals
            .iter()
            .find(|p| approvers.is_none_or(|a| a.contains(p)));
        if let Some(op) = operator {
            who.push(format!("{op}: operator, cannot approve"));
        }
    }
    let mut line = format!("waiting: {}/{need} approvals", s.approvals.len());
    if !who.is_empty() {
        let _ = write!(line, " ({})", who.join(" · "));
    }
    if trust.signed_approvals {
        let _ = write!(line, " · flightdeck approve {}", s.id);
    }
    Some(line)
}

/// The signed approvals a finished approval step counted, as the cockpit lists them under it:
/// `bob (SHA256:ab12cd34…) ✔ signature verified · carol (…) ✔ signature verified`. `None` for
/// a step without signed approvals.
pub fn verified_line(s: &StepState) -> Option<String> {
    let signed: Vec<String> = s
        .approvals
        .iter()
        .filter_map(|a| {
            let key = a.key.as_deref()?;
            let short: String = key.chars().take(15).collect();
            let more = if key.chars().count() > 15 { "…" } else { "" };
            Some(format!(
                "{} ({short}{more}) ✔ signature verified",
                a.principal
            ))
        })
        .collect();
    (s.kind == StepType::Approval && !signed.is_empty()).then(|| signed.join(" · "))
}

/// A signed approval record as a line (`cab approved by bob (SHA256:…) ✔ signature verified:
/// CAB-77`), followed by the step's waiting line while it still waits; `st` is the state after
/// the record. `None` for other events.
pub fn recorded(ev: &Event, st: &ReleaseState) -> Option<String> {
    let Event::Approval {
        step,
        name,
        reason,
        key: Some(key),
        decision,
        ..
    } = ev
    else {
        return None;
    };
    let what = if decision.as_deref() == Some("reject") {
        "rejected"
    } else {
        "approved"
    };
    let mut line = format!("  {step} {what} by {name} ({key}) ✔ signature verified");
    if !reason.is_empty() {
        let _ = write!(line, ": {reason}");
    }
    let waiting = st
        .steps
        .iter()
        .chain(&st.rollback_steps)
        .find(|s| &s.id == step)
        .and_then(|s| waiting_line(st, s));
    if let Some(w) = waiting {
        let _ = write!(line, "\nstep `{step}`: {w}");
    }
    Some(line)
}
