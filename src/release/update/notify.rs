//! Which notifications fire (DESIGN.md §10), decided in the core from the events it emits:
//! each `Effect::Journal` of one update may add an `Effect::Notify`, after the records (the
//! driver delivers it once they are durable). `remind` repeats `approval-waiting` and
//! `rollback-armed` on core timers while they last.

use chrono::{DateTime, TimeDelta, Utc};

use crate::release::effect::Effect;
use crate::release::event::{Event, Outcome, ReleaseOutcome};
use crate::release::msg::TimerId;
use crate::release::policy::Core;
use crate::release::state::{ReleasePhase, ReleaseState, StepStatus};
use crate::runbook::{NotifyEvent, StepType};

/// The notification an event gives, if any: `(event, step, message)`. `st` is the state
/// after the update.
pub fn for_event(st: &ReleaseState, ev: &Event) -> Option<(NotifyEvent, Option<String>, String)> {
    let running = || {
        st.running()
            .map(|(p, i)| st.list(p)[i].id.clone())
            .or_else(|| last_watch(st))
    };
    match ev {
        Event::TriggerTripped { gate, message, .. } => Some((
            NotifyEvent::TriggerTripped,
            running(),
            format!("trigger {gate} tripped: {message}"),
        )),
        Event::RollbackArmed { reason, target } => {
            let to = target
                .as_ref()
                .map(|t| format!(" (target {t})"))
                .unwrap_or_default();
            Some((
                NotifyEvent::RollbackArmed,
                running(),
                format!("rollback armed{to}: {reason}"),
            ))
        }
        Event::StepStarted { step, phase, .. } => {
            let s = st.list(*phase).iter().find(|s| &s.id == step)?;
            (s.kind == StepType::Approval).then(|| {
                (
                    NotifyEvent::ApprovalWaiting,
                    Some(step.clone()),
                    format!("step {step} waits for an approval: {}", s.title),
                )
            })
        }
        Event::GateResult {
            step,
            gate,
            state,
            message,
            ..
        } if state == "warn" => Some((
            NotifyEvent::Warning,
            step.clone(),
            format!("{gate} is in the warn band: {message}"),
        )),
        Event::StepFinished {
            step,
            outcome: outcome @ (Outcome::Failed | Outcome::TimedOut),
            reason,
            ..
        } => {
            let how = if *outcome == Outcome::TimedOut {
                "timed out"
            } else {
                "failed"
            };
            let why = reason
                .as_ref()
                .map(|r| format!(": {r}"))
                .unwrap_or_default();
            Some((
                NotifyEvent::StepFailed,
                Some(step.clone()),
                format!("step {step} {how}{why}"),
            ))
        }
        Event::ReleaseFinished { outcome } => {
            let what = format!("{} {} in {}", st.name, st.version, st.environment);
            Some(match outcome {
                ReleaseOutcome::RolledBack => (
                    NotifyEvent::ReleaseRolledBack,
                    None,
                    format!("{what} was rolled back"),
                ),
                o => (
                    NotifyEvent::ReleaseFinished,
                    None,
                    format!("{what} finished: {}", o.as_str()),
                ),
            })
        }
        _ => None,
    }
}

/// The watch step that ended last (a trip ends it before the arming is journaled).
fn last_watch(st: &ReleaseState) -> Option<String> {
    st.steps
        .iter()
        .filter(|s| s.kind == StepType::Watch && s.started_at.is_some())
        .max_by_key(|s| s.started_at)
        .map(|s| s.id.clone())
}

/// Whether `event` still lasts, with its step and the reminder's message.
pub fn lasting(st: &ReleaseState, event: NotifyEvent) -> Option<(Option<String>, String)> {
    match event {
        NotifyEvent::ApprovalWaiting => {
            let (p, i) = st.running()?;
            let s = &st.list(p)[i];
            (s.kind == StepType::Approval && s.status == StepStatus::Running).then(|| {
                (
                    Some(s.id.clone()),
                    format!(
                        "reminder: step {} still waits for an approval: {}",
                        s.id, s.title
                    ),
                )
            })
        }
        NotifyEvent::RollbackArmed => {
            let a = st.armed.as_ref()?;
            (st.phase == ReleasePhase::InProgress).then(|| {
                (
                    last_watch(st),
                    format!("reminder: the rollback is still armed: {}", a.reason),
                )
            })
        }
        _ => None,
    }
}

/// A `notification` record in words: `notified trigger-tripped to http://host (200)`.
pub fn attempt_line(
    event: NotifyEvent,
    url: &str,
    attempt: u32,
    delivered: bool,
    status: Option<u16>,
    error: Option<&str>,
) -> String {
    let status = status.map(|s| format!(" ({s})")).unwrap_or_default();
    if delivered {
        format!("notified {event} to {url}{status}")
    } else {
        let why = error.map(|e| format!(": {e}")).unwrap_or_default();
        format!("notification {event} to {url} failed (attempt {attempt}){status}{why}")
    }
}

fn after_ms(now: DateTime<Utc>, ms: u64) -> DateTime<Utc> {
    now.checked_add_signed(TimeDelta::milliseconds(
        i64::try_from(ms).unwrap_or(i64::MAX),
    ))
    .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

impl Core {
    /// Add the notifications the journaled events of this update give (and start the
    /// reminders of the lasting ones).
    pub(crate) fn notifications(&mut self, now: DateTime<Utc>, effects: &mut Vec<Effect>) {
        if !self.policy.notifies {
            return;
        }
        let mut more = Vec::new();
        for e in effects.iter() {
            let Effect::Journal(ev) = e else { continue };
            let Some((event, step, message)) = for_event(&self.st, ev) else {
                continue;
            };
            if event == NotifyEvent::Warning {
                let gate = match ev {
                    Event::GateResult { gate, .. } => gate.clone(),
                    _ => String::new(),
                };
                if !self.ps.warned.insert((step.clone(), gate)) {
                    continue;
                }
            }
            more.push(Effect::Notify {
                event,
                step,
                message,
                only: None,
            });
            if event.repeats() {
                for r in &self.policy.reminders {
                    if r.events.contains(&event) {
                        more.push(Effect::Timer {
                            id: TimerId::Remind {
                                index: r.index,
                                event,
                            },
                            at: after_ms(now, r.every_ms),
                        });
                    }
                }
            }
        }
        effects.extend(more);
    }

    /// A reminder is due: repeat it to its entry while the event lasts, and set the next one.
    pub(crate) fn remind_due(
        &mut self,
        index: usize,
        event: NotifyEvent,
        now: DateTime<Utc>,
    ) -> Vec<Effect> {
        let Some(r) = self.policy.reminders.iter().find(|r| r.index == index) else {
            return Vec::new();
        };
        let Some((step, message)) = lasting(&self.st, event) else {
            return Vec::new();
        };
        vec![
            Effect::Notify {
                event,
                step,
                message,
                only: Some(index),
            },
            Effect::Timer {
                id: TimerId::Remind { index, event },
                at: after_ms(now, r.every_ms),
            },
        ]
    }
}
