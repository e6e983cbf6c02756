//! The pure release core: `update(state, msg, now) -> effects`, no I/O and no await.
//!
//! Every accepted message becomes events, applied to the state and journaled in order;
//! a message that the rules forbid is refused with a reason the operator can act on.

use chrono::{DateTime, Utc};

use super::effect::{Control, Effect};
use super::event::{Event, Outcome, Phase, ReleaseOutcome};
use super::msg::Msg;
use super::state::{ReleasePhase, ReleaseState, StepStatus};
use crate::runbook::StepType;

mod flow;

use flow::{finished, next, rollback};

/// Why a message was refused; shown to the operator as it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal(pub String);

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

struct Out<'a> {
    st: &'a mut ReleaseState,
    now: DateTime<Utc>,
    effects: Vec<Effect>,
}

impl Out<'_> {
    fn emit(&mut self, ev: Event) {
        self.st.apply(&ev, self.now);
        self.effects.push(Effect::Journal(ev));
    }

    fn start(&mut self, phase: Phase, index: usize) {
        let s = &self.st.list(phase)[index];
        let ev = Event::StepStarted {
            step: s.id.clone(),
            phase,
            attempt: s.attempts + 1,
        };
        self.emit(ev);
        self.effects.push(Effect::Execute { phase, index });
    }

    fn elapsed_ms(&self, phase: Phase, index: usize) -> u64 {
        self.st.list(phase)[index].started_at.map_or(0, |t| {
            u64::try_from((self.now - t).num_milliseconds()).unwrap_or(0)
        })
    }

    fn finish_ok(&mut self, phase: Phase, index: usize) {
        let ev = Event::StepFinished {
            step: self.st.list(phase)[index].id.clone(),
            phase,
            outcome: Outcome::Succeeded,
            exit_code: None,
            reason: None,
            duration_ms: self.elapsed_ms(phase, index),
            captures: std::collections::BTreeMap::new(),
        };
        self.emit(ev);
        self.after_done(phase);
    }

    /// After a step of `phase` is done: finish the release, or run the next rollback step.
    fn after_done(&mut self, phase: Phase) {
        match phase {
            Phase::Main => {
                if self.st.phase == ReleasePhase::InProgress
                    && self.st.steps.iter().all(|s| s.status.is_done())
                {
                    self.emit(Event::ReleaseFinished {
                        outcome: ReleaseOutcome::Completed,
                    });
                }
            }
            Phase::Rollback => {
                if self.st.phase != ReleasePhase::RollingBack {
                    return;
                }
                match self
                    .st
                    .rollback_steps
                    .iter()
                    .position(|s| !s.status.is_done())
                {
                    Some(i) if self.st.rollback_steps[i].status == StepStatus::Pending => {
                        self.start(Phase::Rollback, i);
                    }
                    Some(_) => {}
                    None => {
                        self.emit(Event::RollbackFinished {
                            outcome: Outcome::Succeeded,
                        });
                        self.emit(Event::ReleaseFinished {
                            outcome: ReleaseOutcome::RolledBack,
                        });
                    }
                }
            }
        }
    }

    fn running_step(&self, kind: StepType) -> Result<(Phase, usize), Refusal> {
        match self.st.running() {
            Some((p, i)) if self.st.list(p)[i].kind == kind => Ok((p, i)),
            Some((p, i)) => Err(Refusal(format!(
                "step `{}` is a {} step, not a {kind} step",
                self.st.list(p)[i].id,
                self.st.list(p)[i].kind
            ))),
            None => Err(Refusal(format!("no {kind} step is running"))),
        }
    }

    fn require_active(&self) -> Result<(), Refusal> {
        match self.st.phase {
            ReleasePhase::InProgress | ReleasePhase::RollingBack => Ok(()),
            ReleasePhase::NotStarted => Err(Refusal("the release has not started".into())),
            ReleasePhase::Finished(o) => Err(Refusal(format!(
                "the release is finished ({}); see `flightdeck report`",
                o.as_str()
            ))),
        }
    }

    fn require_idle(&self) -> Result<(), Refusal> {
        match self.st.running() {
            Some((p, i)) => Err(Refusal(format!(
                "step `{}` is still running; wait for it or cancel it with x",
                self.st.list(p)[i].id
            ))),
            None => Ok(()),
        }
    }
}

/// Apply one message. On refusal the state is unchanged.
#[allow(clippy::too_many_lines)] // one arm per message
pub fn update(st: &mut ReleaseState, msg: Msg, now: DateTime<Utc>) -> Result<Vec<Effect>, Refusal> {
    let mut o = Out {
        st,
        now,
        effects: Vec::new(),
    };
    match msg {
        Msg::Begin(ev) => {
            if o.st.phase != ReleasePhase::NotStarted {
                return Err(Refusal("the release has already started".into()));
            }
            if !matches!(ev, Event::ReleaseStarted { .. }) {
                return Err(Refusal("a release begins with `release-started`".into()));
            }
            o.emit(ev);
        }
        Msg::Next => next(&mut o)?,
        Msg::Retry => {
            o.require_active()?;
            o.require_idle()?;
            match o.st.current() {
                Some((p, i)) if o.st.list(p)[i].status.is_blocking() => o.start(p, i),
                Some((p, i)) => {
                    return Err(Refusal(format!(
                        "step `{}` has not failed; press Enter to run it",
                        o.st.list(p)[i].id
                    )));
                }
                None => return Err(Refusal("no step to retry".into())),
            }
        }
        Msg::Skip { reason } => {
            o.require_active()?;
            o.require_idle()?;
            if reason.trim().is_empty() {
                return Err(Refusal("a skip needs a reason".into()));
            }
            let (p, i) = o.st.current().ok_or(Refusal("no step to skip".into()))?;
            let step = o.st.list(p)[i].id.clone();
            o.emit(Event::Skip {
                step,
                phase: p,
                reason,
            });
            o.after_done(p);
        }
        Msg::MarkDone { note } => {
            o.require_active()?;
            o.require_idle()?;
            let (p, i) =
                o.st.current()
                    .ok_or(Refusal("no step to mark done".into()))?;
            if o.st.list(p)[i].status != StepStatus::Interrupted {
                return Err(Refusal(format!(
                    "only an interrupted step can be marked done; `{}` is {}",
                    o.st.list(p)[i].id,
                    o.st.list(p)[i].status.label()
                )));
            }
            if note.trim().is_empty() {
                return Err(Refusal("marking a step done needs a note".into()));
            }
            let step = o.st.list(p)[i].id.clone();
            o.emit(Event::Note {
                step: Some(step),
                phase: Some(p),
                action: Some("mark-done".into()),
                text: note,
                extend_ms: None,
            });
            o.after_done(p);
        }
        Msg::Evidence { note, source } => {
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
        }
        Msg::Approve {
            name,
            reason,
            source,
        } => {
            let (p, i) = o.running_step(StepType::Approval)?;
            let s = &o.st.list(p)[i];
            if name.trim().is_empty() {
                return Err(Refusal("an approval needs the approver's name".into()));
            }
            if let Some(allowed) = &s.info.approvers
                && !allowed.iter().any(|a| a == &name)
            {
                return Err(Refusal(format!(
                    "`{name}` may not approve `{}`; approvers: {}",
                    s.id,
                    allowed.join(", ")
                )));
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
            });
            o.finish_ok(p, i);
        }
        Msg::Cancel => match o.st.running() {
            Some((phase, index)) => o.effects.push(Effect::Cancel { phase, index }),
            None => return Err(Refusal("no step is running".into())),
        },
        Msg::ExtendWatch { by_ms } => {
            let (p, i) = o.running_step(StepType::Watch)?;
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
        }
        Msg::EndWatch { note } => {
            let (p, i) = o.running_step(StepType::Watch)?;
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
        }
        Msg::Arm { reason, target } => {
            if o.st.phase != ReleasePhase::InProgress {
                return Err(Refusal(
                    "rollback can only be armed during the release".into(),
                ));
            }
            o.emit(Event::RollbackArmed { reason, target });
        }
        Msg::Rollback { by, target } => rollback(&mut o, by, target)?,
        Msg::Abandon { note } => {
            o.require_active()?;
            o.require_idle()?;
            o.emit(Event::Note {
                step: None,
                phase: None,
                action: Some("abandon".into()),
                text: note,
                extend_ms: None,
            });
            o.emit(Event::ReleaseFinished {
                outcome: ReleaseOutcome::Abandoned,
            });
        }
        Msg::Output {
            phase,
            step,
            stream,
            lines,
        } => {
            if o.st.find(phase, &step).is_some() && !lines.is_empty() {
                o.emit(Event::Output {
                    step,
                    phase,
                    stream,
                    lines,
                });
            }
        }
        Msg::Finished {
            phase,
            step,
            outcome,
            exit_code,
            reason,
            duration_ms,
            captures,
        } => finished(
            &mut o,
            phase,
            &step,
            outcome,
            exit_code,
            reason,
            duration_ms,
            captures,
        ),
        Msg::Record(ev) => o.emit(ev),
        Msg::Timer { .. } | Msg::StopCountdown => {
            return Err(Refusal(
                "timers and the countdown belong to the release policy (`Core`)".into(),
            ));
        }
    }
    Ok(o.effects)
}
