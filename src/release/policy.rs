//! The release policy over the state machine: the auto-rollback countdown, a rollback that
//! waits for the running step, and the exit code of a run. [`Core`] wraps `update` with it;
//! timers are effects (`Effect::Timer`) that come back as `Msg::Timer`, so every rule is
//! tested through `Core::update` with a fake clock. Every front end gets the same rules.

use chrono::{DateTime, TimeDelta, Utc};

use super::effect::Effect;
use super::event::ReleaseOutcome;
use super::msg::{Msg, TimerId};
use super::state::{ReleasePhase, ReleaseState, StepStatus};
use super::update::{Refusal, update};

/// The rules a runbook and the run's options set.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Policy {
    /// `rollback.auto`: a tripped trigger fires the rollback after this delay, unless a key
    /// stops the countdown. `None` when it does not apply (see [`Policy::auto_rollback`]).
    pub auto_delay_ms: Option<u64>,
    /// Gate baselines to take before steps (DESIGN.md §10).
    pub baselines: Vec<BaselinePlan>,
    /// `[[notifications]]` entries with `remind`.
    pub reminders: Vec<Reminder>,
    /// The runbook has `[[notifications]]`: the core decides `Effect::Notify`s (none otherwise).
    pub notifies: bool,
}

/// A gate's `baseline`: measured `samples` times right before step `before` runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaselinePlan {
    pub gate: String,
    pub before: String,
    pub samples: u32,
}

/// A `[[notifications]]` entry (its `index`) that repeats its lasting events every `every_ms`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reminder {
    pub index: usize,
    pub every_ms: u64,
    pub events: Vec<crate::runbook::NotifyEvent>,
}

impl Policy {
    /// Whether `rollback.auto` may fire by itself (each flag is one rule of the policy): never in a protected environment, never when
    /// a person picks the target (`target = "pick"`), and headless only with `--auto-approve`.
    #[allow(clippy::fn_params_excessive_bools)]
    pub fn auto_rollback(
        auto: bool,
        protected: bool,
        pick: bool,
        headless: bool,
        auto_approve: bool,
        delay: std::time::Duration,
    ) -> Policy {
        let applies = auto && !protected && !pick && (!headless || auto_approve);
        Policy {
            auto_delay_ms: applies.then(|| u64::try_from(delay.as_millis()).unwrap_or(u64::MAX)),
            ..Policy::default()
        }
    }
}

/// What the policy shows beyond the journal: the auto-rollback countdown, a rollback that
/// waits for the running step.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PolicyView {
    pub countdown: Option<DateTime<Utc>>,
    pub rollback_waits: bool,
    /// The step that waits for its gates' baselines to be measured.
    pub baselining: Option<String>,
}

/// What a run is for: a release, or `flightdeck rollback` (whose success is the rollback).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Run,
    Rollback,
}

/// The policy's own state: not journaled, so kept beside the release state.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PolicyState {
    /// The auto rollback fires at this time, unless stopped.
    pub countdown: Option<DateTime<Utc>>,
    /// This arming already had its countdown (it ran, fired or was stopped).
    counted: bool,
    /// A rollback decided while a step ran: it starts when that step finishes.
    pub pending_rollback: Option<(String, Option<String>)>,
    /// The step whose baselines are being measured; it starts when they are all taken.
    pub baselining: Option<String>,
    /// Warnings already notified, by step and gate (one notification each).
    pub warned: std::collections::BTreeSet<(Option<String>, String)>,
    /// The running approval step's timeout timer is set for this time.
    approval_timer: Option<DateTime<Utc>>,
}

/// The release state machine with its policy: what the driver owns.
#[derive(Debug, Clone, Default)]
pub struct Core {
    pub st: ReleaseState,
    pub policy: Policy,
    pub ps: PolicyState,
}

impl Core {
    pub fn new(st: ReleaseState, policy: Policy) -> Core {
        Core {
            st,
            policy,
            ps: PolicyState::default(),
        }
    }

    /// Apply one message with the policy. On refusal nothing changed.
    pub fn update(&mut self, msg: Msg, now: DateTime<Utc>) -> Result<Vec<Effect>, Refusal> {
        let mut effects = match msg {
            Msg::Timer {
                id: TimerId::Countdown,
            } => self.countdown_due(now)?,
            Msg::Timer {
                id: TimerId::Remind { index, event },
            } => self.remind_due(index, event, now),
            Msg::Timer {
                id: TimerId::ApprovalTimeout,
            } => {
                self.ps.approval_timer = None;
                super::update::approval_due(&mut self.st, now)
            }
            Msg::Next => self.next_with_baselines(now)?,
            Msg::Cancel if self.cancel_baselining() => Vec::new(),
            Msg::StopCountdown => {
                if self.ps.countdown.take().is_none() {
                    return Err(Refusal("no auto-rollback countdown is running".into()));
                }
                Vec::new()
            }
            Msg::Rollback { by, target } => self.rollback(by, target, now)?,
            m => update(&mut self.st, m, now)?,
        };
        self.after(now, &mut effects);
        self.after_baselines(now, &mut effects);
        self.notifications(now, &mut effects);
        Ok(effects)
    }

    /// A rollback asked for while a step runs waits for that step, except a watch, which is
    /// cut short (its triggers are what asked for the rollback) and a step a person answers
    /// (nothing runs outside): the core cancels those at once, as it always has.
    fn rollback(
        &mut self,
        by: String,
        target: Option<String>,
        now: DateTime<Utc>,
    ) -> Result<Vec<Effect>, Refusal> {
        if let Some((p, i)) = self.st.running() {
            let s = &self.st.list(p)[i];
            let waits = !s.kind.is_answered() && s.kind != crate::runbook::StepType::Watch;
            if waits && self.st.phase == ReleasePhase::InProgress {
                if self.ps.pending_rollback.is_some() {
                    return Err(Refusal(
                        "the rollback already waits for the running step".into(),
                    ));
                }
                self.ps.pending_rollback = Some((by, target));
                return Ok(Vec::new());
            }
        }
        update(&mut self.st, Msg::Rollback { by, target }, now)
    }

    fn countdown_due(&mut self, now: DateTime<Utc>) -> Result<Vec<Effect>, Refusal> {
        let Some(at) = self.ps.countdown else {
            // Stopped, or the rollback already ran: a stale timer.
            return Ok(Vec::new());
        };
        if now < at {
            return Ok(vec![Effect::Timer {
                id: TimerId::Countdown,
                at,
            }]);
        }
        self.ps.countdown = None;
        if self.st.armed.is_none() || self.st.phase != ReleasePhase::InProgress {
            return Ok(Vec::new());
        }
        let target = self.st.armed.as_ref().and_then(|a| a.target.clone());
        self.rollback("auto".into(), target, now)
    }

    /// After every message: start the countdown when a trigger armed the rollback, forget it
    /// when the arming is gone, and start a rollback that waited for the running step.
    fn after(&mut self, now: DateTime<Utc>, effects: &mut Vec<Effect>) {
        self.arm_approval_timeout(effects);
        let armed = self.st.armed.is_some() && self.st.phase == ReleasePhase::InProgress;
        if !armed {
            self.ps.countdown = None;
            self.ps.counted = false;
        } else if !self.ps.counted
            && let Some(ms) = self.policy.auto_delay_ms
        {
            self.ps.counted = true;
            let at = now
                .checked_add_signed(TimeDelta::milliseconds(
                    i64::try_from(ms).unwrap_or(i64::MAX),
                ))
                .unwrap_or(DateTime::<Utc>::MAX_UTC);
            self.ps.countdown = Some(at);
            effects.push(Effect::Timer {
                id: TimerId::Countdown,
                at,
            });
        }
        if self.st.running().is_none()
            && !self.st.disconnected
            && let Some((by, target)) = self.ps.pending_rollback.take()
        {
            // A refusal means the release ended meanwhile (completed or abandoned): nothing to do.
            if let Ok(more) = update(&mut self.st, Msg::Rollback { by, target }, now) {
                effects.extend(more);
            }
        }
    }

    /// A running approval step with a `timeout` has its timer (set once per attempt).
    fn arm_approval_timeout(&mut self, effects: &mut Vec<Effect>) {
        let due = self.st.approval_deadline().map(|(_, _, at)| at);
        if due != self.ps.approval_timer {
            self.ps.approval_timer = due;
            if let Some(at) = due {
                effects.push(Effect::Timer {
                    id: TimerId::ApprovalTimeout,
                    at,
                });
            }
        }
    }

    /// What the screen shows of the policy.
    pub fn view(&self) -> PolicyView {
        PolicyView {
            countdown: self.ps.countdown,
            rollback_waits: self.ps.pending_rollback.is_some(),
            baselining: self.ps.baselining.clone(),
        }
    }

    /// The exit code of the run so far.
    pub fn exit_code(&self, mode: Mode) -> i32 {
        exit_code(&self.st, mode)
    }
}

/// The exit code for a release left in `st`: 0 completed (or, for `flightdeck rollback`, rolled
/// back), 3 rolled back, 1 abandoned or stopped on a failed step, 0 when left unfinished on
/// purpose (the journal keeps it resumable).
pub fn exit_code(st: &ReleaseState, mode: Mode) -> i32 {
    match st.phase {
        ReleasePhase::Finished(ReleaseOutcome::Completed) => 0,
        ReleasePhase::Finished(ReleaseOutcome::RolledBack) => match mode {
            Mode::Run => 3,
            Mode::Rollback => 0,
        },
        ReleasePhase::Finished(ReleaseOutcome::Abandoned) => 1,
        _ if st
            .steps
            .iter()
            .chain(&st.rollback_steps)
            .any(|s| matches!(s.status, StepStatus::Failed(_))) =>
        {
            1
        }
        _ => 0,
    }
}
