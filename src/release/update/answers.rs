//! Answers to the running step: evidence, an approval, extending or ending a watch.

use super::{Out, Refusal, signed};
use crate::release::effect::{Control, Effect};
use crate::release::event::Event;
use crate::runbook::StepType;

/// Evidence for the running manual step.
pub(super) fn evidence(o: &mut Out<'_>, note: String, source: String) -> Result<(), Refusal> {
    let (p, i) = o.running_step(StepType::Manual)?;
    let s = &o.st.list(p)[i];
    if s.info.evidence_required && note.trim().is_empty() {
        return Err(Refusal(format!(
            "step `{}` requires evidence: type a note or a link",
            s.id
        )));
    }
    let step = s.id.clone();
    o.emit(Event::Evidence { step, note, source });
    o.finish_ok(p, i);
    Ok(())
}

/// A typed approval for the running approval step (a name, not a signature): refused where
/// approvals must be signed; counts toward `min_approvals` like a signed one.
pub(super) fn approve(
    o: &mut Out<'_>,
    name: String,
    reason: String,
    source: String,
) -> Result<(), Refusal> {
    let (p, i) = o.running_step(StepType::Approval)?;
    let s = &o.st.list(p)[i];
    if o.st.trust.signed_approvals {
        return Err(Refusal(format!(
            "this environment needs signed approvals: run `flightdeck approve {}` from the approver's shell",
            s.id
        )));
    }
    if name.trim().is_empty() {
        return Err(Refusal("an approval needs the approver's name".into()));
    }
    // `--auto-approve` is the operator's own act, outside separation of duties (and refused
    // in protected environments before it gets here).
    if source != "auto-approve" {
        signed::check_approver(o, p, i, &name, None)?;
    }
    if s.info.reason_required && reason.trim().is_empty() {
        return Err(Refusal(format!("approval `{}` needs a reason", s.id)));
    }
    let step = s.id.clone();
    o.emit(Event::Approval {
        step,
        name,
        reason,
        source,
        principal: None,
        key: None,
        decision: None,
        payload: None,
        signature: None,
        consumed: None,
    });
    if o.st.list(p)[i].status == crate::release::state::StepStatus::Running {
        signed::count(o, p, i);
    }
    Ok(())
}

/// `+`: extend the running watch.
pub(super) fn extend_watch(o: &mut Out<'_>, by_ms: u64) -> Result<(), Refusal> {
    let (p, i) = super::background::watch_target(o, None)?;
    let step = o.st.list(p)[i].id.clone();
    let by = humantime::format_duration(std::time::Duration::from_millis(by_ms));
    o.emit(Event::Note {
        step: Some(step),
        phase: Some(p),
        action: Some("watch-extend".into()),
        text: format!("watch extended by {by}"),
        extend_ms: Some(by_ms),
    });
    o.effects.push(Effect::Control {
        phase: p,
        index: i,
        control: Control::Extend(by_ms),
    });
    Ok(())
}

/// `e`: end the running watch early, with a note.
pub(super) fn end_watch(o: &mut Out<'_>, step: Option<&str>, note: String) -> Result<(), Refusal> {
    let (p, i) = super::background::watch_target(o, step)?;
    if note.trim().is_empty() {
        return Err(Refusal("ending a watch early needs a note".into()));
    }
    let step = o.st.list(p)[i].id.clone();
    o.emit(Event::Note {
        step: Some(step),
        phase: Some(p),
        action: Some("watch-end".into()),
        text: note,
        extend_ms: None,
    });
    o.effects.push(Effect::Control {
        phase: p,
        index: i,
        control: Control::End,
    });
    Ok(())
}
