//! Counting approvals (DESIGN.md §9.2): an approval step completes when `min_approvals`
//! distinct principals approved it; a rejection fails it with its reason; the operator never
//! counts unless `self_approval = true`; where approvals must be signed, a typed name is not
//! accepted. The approval's signature was verified by the driver before it got here.

use super::{Out, Refusal};
use crate::release::event::{Event, Outcome, Phase};
use crate::release::msg::SignedApproval;
use crate::runbook::StepType;

/// `source` of a signed approval record.
pub const SIGNED: &str = "signed";

/// The running approval step, which must be `step`.
fn waiting_step(o: &Out<'_>, step: &str) -> Result<(Phase, usize), Refusal> {
    match o.st.running() {
        Some((p, i))
            if o.st.list(p)[i].kind == StepType::Approval && o.st.list(p)[i].id == step =>
        {
            Ok((p, i))
        }
        Some((p, i)) if o.st.list(p)[i].kind == StepType::Approval => Err(Refusal(format!(
            "no release waits on step `{step}`: the release waits on `{}`",
            o.st.list(p)[i].id
        ))),
        _ => Err(Refusal(format!(
            "no release waits on step `{step}` (it is not an approval step waiting for approvals)"
        ))),
    }
}

/// Who may approve step `i` of `p`: not someone outside `approvers`, not the operator (unless
/// `self_approval`), not someone who already approved this attempt.
pub(super) fn check_approver(
    o: &Out<'_>,
    p: Phase,
    i: usize,
    principal: &str,
    key: Option<&str>,
) -> Result<(), Refusal> {
    let s = &o.st.list(p)[i];
    if let Some(allowed) = &s.info.approvers
        && !allowed.iter().any(|a| a == principal)
    {
        return Err(Refusal(format!(
            "`{principal}` may not approve `{}`; approvers: {}",
            s.id,
            allowed.join(", ")
        )));
    }
    if !s.info.self_approval && o.st.is_operator(principal, key) {
        return Err(Refusal(format!(
            "`{principal}` is the operator of this release and cannot approve it (separation of duties; self_approval = false)"
        )));
    }
    if s.approvals
        .iter()
        .any(|a| a.principal == principal || (key.is_some() && a.key.as_deref() == key))
    {
        return Err(Refusal(format!(
            "`{principal}` already approved `{}` ({}/{} approvals); another approver is needed",
            s.id,
            s.approvals.len(),
            s.approvals_needed()
        )));
    }
    Ok(())
}

/// After an approval is journaled: complete the step once it has enough.
pub(super) fn count(o: &mut Out<'_>, p: Phase, i: usize) {
    let s = &o.st.list(p)[i];
    if s.approvals.len() >= s.approvals_needed() {
        o.finish_ok(p, i);
    }
}

/// A verified signed approval or rejection.
#[allow(clippy::many_single_char_names)] // o, a, p, i, s: the core's usual names
pub(super) fn signed(o: &mut Out<'_>, a: SignedApproval) -> Result<(), Refusal> {
    o.require_active()?;
    let (p, i) = waiting_step(o, &a.step)?;
    if a.principal.trim().is_empty() {
        return Err(Refusal("a signed approval names no principal".into()));
    }
    if !a.approve && a.reason.trim().is_empty() {
        return Err(Refusal(
            "a rejection needs a reason (`flightdeck approve --reject --reason TEXT`)".into(),
        ));
    }
    check_approver(o, p, i, &a.principal, Some(&a.key))?;
    let s = &o.st.list(p)[i];
    if a.approve && s.info.reason_required && a.reason.trim().is_empty() {
        return Err(Refusal(format!(
            "approval `{}` needs a reason (`flightdeck approve {} --reason TEXT`)",
            s.id, s.id
        )));
    }
    let step = s.id.clone();
    o.emit(Event::Approval {
        step: step.clone(),
        name: a.principal.clone(),
        reason: a.reason.clone(),
        source: SIGNED.into(),
        principal: Some(a.principal.clone()),
        key: Some(a.key),
        decision: Some(if a.approve { "approve" } else { "reject" }.into()),
        payload: Some(a.payload),
        signature: Some(a.signature),
        consumed: a.consumed,
    });
    if a.approve {
        count(o, p, i);
    } else {
        let ev = Event::StepFinished {
            step,
            phase: p,
            outcome: Outcome::Failed,
            exit_code: None,
            reason: Some(format!("rejected by {}: {}", a.principal, a.reason)),
            duration_ms: o.elapsed_ms(p, i),
            captures: std::collections::BTreeMap::new(),
        };
        o.emit(ev);
    }
    Ok(())
}

/// The approval step `step` timed out (its `timeout` passed with too few approvals).
pub(super) fn timed_out(o: &mut Out<'_>, p: Phase, i: usize) {
    let s = &o.st.list(p)[i];
    let after = s
        .info
        .approval_timeout_ms
        .map(|ms| humantime::format_duration(std::time::Duration::from_millis(ms)).to_string())
        .unwrap_or_default();
    let ev = Event::StepFinished {
        step: s.id.clone(),
        phase: p,
        outcome: Outcome::TimedOut,
        exit_code: None,
        reason: Some(format!(
            "approval timed out after {after} ({}/{} approvals)",
            s.approvals.len(),
            s.approvals_needed()
        )),
        duration_ms: o.elapsed_ms(p, i),
        captures: std::collections::BTreeMap::new(),
    };
    o.emit(ev);
}
