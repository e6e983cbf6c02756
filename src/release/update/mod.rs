//! The pure release core: `update(state, msg, now) -> effects`, no I/O and no await.
//!
//! Every accepted message becomes events, applied to the state and journaled in order;
//! a message that the rules forbid is refused with a reason the operator can act on.

use chrono::{DateTime, Utc};

use super::effect::Effect;
use super::event::{Event, Outcome, Phase, ReleaseOutcome};
use super::msg::Msg;
use super::state::{ReleasePhase, ReleaseState, StepStatus};
use crate::runbook::StepType;

mod answers;
pub mod background;
pub mod baseline;
mod flow;
pub mod notify;
mod operator;
mod signed;
pub mod wait_for;

use answers::{approve, end_watch, evidence, extend_watch};
use flow::{finished, next, rollback};
use operator::{abandon, mark_done, retry, skip};

/// Why a message was refused; shown to the operator as it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal(pub String);

pub use signed::SIGNED;

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

/// The running approval step's `timeout` (a `TimerId::ApprovalTimeout`): when it has passed,
/// the step fails. An early timer does nothing here: the policy sets it again.
pub fn approval_due(st: &mut ReleaseState, now: DateTime<Utc>) -> Vec<Effect> {
    let mut o = Out {
        st,
        now,
        effects: Vec::new(),
    };
    if let Some((p, i, at)) = o.st.approval_deadline()
        && now >= at
    {
        signed::timed_out(&mut o, p, i);
    }
    o.effects
}

/// Apply one message. On refusal the state is unchanged.
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
        Msg::Retry => retry(&mut o)?,
        Msg::Skip { reason } => skip(&mut o, reason)?,
        Msg::MarkDone { note } => mark_done(&mut o, note)?,
        Msg::Evidence { note, source } => evidence(&mut o, note, source)?,
        Msg::Approve {
            name,
            reason,
            source,
        } => approve(&mut o, name, reason, source)?,
        Msg::Signed(a) => signed::signed(&mut o, *a)?,
        Msg::Cancel => match o.st.running() {
            Some((phase, index)) => o.effects.push(Effect::Cancel { phase, index }),
            None => return Err(Refusal("no step is running".into())),
        },
        Msg::ExtendWatch { by_ms } => extend_watch(&mut o, by_ms)?,
        Msg::EndWatch { note } => end_watch(&mut o, None, note)?,
        Msg::EndWatchOf { step, note } => end_watch(&mut o, Some(&step), note)?,
        Msg::AckWarnings { note, source } => background::ack(&mut o, note, &source)?,
        Msg::ResumeBackground => background::resume(&mut o)?,
        Msg::Arm { reason, target } => {
            if o.st.phase != ReleasePhase::InProgress {
                return Err(Refusal(
                    "rollback can only be armed during the release".into(),
                ));
            }
            o.emit(Event::RollbackArmed { reason, target });
        }
        Msg::Rollback { by, target } => rollback(&mut o, by, target)?,
        Msg::Abandon { note } => abandon(&mut o, note)?,
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
        m @ Msg::Finished { .. } => finished(&mut o, m),
        Msg::Record(ev) => o.emit(ev),
        Msg::Timer { .. } | Msg::StopCountdown => {
            return Err(Refusal(
                "timers and the countdown belong to the release policy (`Core`)".into(),
            ));
        }
    }
    Ok(o.effects)
}
