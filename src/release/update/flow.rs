//! The longer transitions of `update`: running the next step, rolling back, and a step's
//! report coming in.

use super::{Out, Refusal};
use crate::release::effect::Effect;
use crate::release::event::{Event, Outcome, Phase, ReleaseOutcome};
use crate::release::msg::Msg;
use crate::release::state::{ReleasePhase, StepStatus};

pub(super) fn next(o: &mut Out<'_>) -> Result<(), Refusal> {
    o.require_active()?;
    o.require_idle()?;
    match o.st.current() {
        None => Err(super::background::nothing_to_start(o)),
        Some((p, i)) => {
            let s = &o.st.list(p)[i];
            match &s.status {
                StepStatus::Failed(why) => Err(Refusal(format!(
                    "step `{}` failed ({why}): r retry · s skip with a reason · R roll back",
                    s.id
                ))),
                StepStatus::Interrupted => Err(Refusal(format!(
                    "step `{}` was interrupted (outcome unknown): r retry · m mark done · R roll back",
                    s.id
                ))),
                _ => {
                    super::wait_for::refuse(o.st, o.now)?;
                    o.start(p, i);
                    Ok(())
                }
            }
        }
    }
}

pub(super) fn rollback(o: &mut Out<'_>, by: String, target: Option<String>) -> Result<(), Refusal> {
    match o.st.phase {
        ReleasePhase::InProgress | ReleasePhase::Finished(ReleaseOutcome::Completed) => {}
        ReleasePhase::RollingBack => return Err(Refusal("the rollback is already running".into())),
        ReleasePhase::NotStarted => return Err(Refusal("the release has not started".into())),
        ReleasePhase::Finished(out) => {
            return Err(Refusal(format!(
                "the release is {}; there is nothing to roll back",
                out.as_str()
            )));
        }
    }
    let mut interrupted = None;
    if let Some((p, i)) = o.st.running() {
        let id = o.st.list(p)[i].id.clone();
        let ev = Event::StepFinished {
            step: id.clone(),
            phase: p,
            outcome: Outcome::Cancelled,
            exit_code: None,
            reason: Some("cancelled for the rollback".into()),
            duration_ms: o.elapsed_ms(p, i),
            captures: std::collections::BTreeMap::new(),
        };
        o.emit(ev);
        o.effects.push(Effect::Cancel { phase: p, index: i });
        interrupted = Some(id);
    }
    super::background::stop_all(o, "cancelled for the rollback");
    o.emit(Event::RollbackConfirmed {
        by,
        target: target.clone(),
    });
    o.emit(Event::RollbackStarted {
        target,
        interrupted,
    });
    o.after_done(Phase::Rollback);
    Ok(())
}

/// An executor's report that step `step` finished (`Msg::Finished`).
pub(super) fn finished(o: &mut Out<'_>, report: Msg) {
    let Msg::Finished {
        phase,
        step,
        mut outcome,
        exit_code,
        mut reason,
        duration_ms,
        captures,
    } = report
    else {
        return;
    };
    let step = step.as_str();
    let Some(index) = o.st.find(phase, step) else {
        return;
    };
    let s = &o.st.list(phase)[index];
    // A report for a step that is no longer running (cancelled for a rollback) is stale.
    if s.status != StepStatus::Running {
        return;
    }
    if outcome == Outcome::Succeeded && s.info.evidence_required && s.evidence.is_none() {
        outcome = Outcome::Failed;
        reason = Some("evidence is required and none was given".into());
    }
    if outcome == Outcome::Succeeded && super::background::ask_ack(o, phase, index) {
        return;
    }
    o.emit(Event::StepFinished {
        step: step.to_owned(),
        phase,
        outcome,
        exit_code,
        reason,
        duration_ms,
        captures,
    });
    if outcome == Outcome::Succeeded {
        o.after_done(phase);
    }
}
