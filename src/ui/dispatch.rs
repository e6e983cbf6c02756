//! Feeding the release core and routing what it returns: journal records and executions go to
//! the runtime, while manual and approval steps are answered here, through their prompts (the
//! App is their executor: it opens the prompt instead of forwarding `Execute`).

use chrono::{DateTime, Utc};

use crate::release::{self, Effect, Event, Msg, Outcome, Phase, Refusal};

use super::app::{App, AppEffect};
use super::modal::Modal;
use super::modal::approval::Approval;
use super::modal::evidence::Evidence;
use super::modal::input::TextInput;

impl App {
    /// Feed `msg` to the core and route its effects into `out`. On refusal nothing changed.
    pub(crate) fn send(
        &mut self,
        msg: Msg,
        now: DateTime<Utc>,
        out: &mut Vec<AppEffect>,
    ) -> Result<(), Refusal> {
        let effects = release::update(&mut self.release, msg, now)?;
        for e in effects {
            match e {
                Effect::Execute { phase, index } => {
                    let kind = self.release.list(phase)[index].kind;
                    if kind.is_answered() {
                        self.open_prompt(phase, index);
                    } else {
                        out.push(AppEffect::Release(e));
                    }
                }
                Effect::Cancel { phase, index } => {
                    let s = &self.release.list(phase)[index];
                    if !s.kind.is_answered() {
                        out.push(AppEffect::Release(e));
                    } else if s.status == release::StepStatus::Running {
                        // Nothing runs outside: the App reports the cancellation itself.
                        let step = s.id.clone();
                        let ms = s.started_at.map_or(0, |t| {
                            u64::try_from((now - t).num_milliseconds()).unwrap_or(0)
                        });
                        self.send(
                            Msg::Finished {
                                phase,
                                step,
                                outcome: Outcome::Cancelled,
                                exit_code: None,
                                reason: Some("cancelled by the operator".into()),
                                duration_ms: ms,
                                captures: std::collections::BTreeMap::new(),
                            },
                            now,
                            out,
                        )?;
                    }
                }
                Effect::Journal(ev) => {
                    self.observe(&ev, now);
                    out.push(AppEffect::Release(Effect::Journal(ev)));
                }
                e @ Effect::Control { .. } => out.push(AppEffect::Release(e)),
            }
        }
        Ok(())
    }

    /// Keep the log buffers in step with the journal.
    fn observe(&mut self, ev: &Event, now: DateTime<Utc>) {
        match ev {
            Event::StepStarted {
                step,
                phase,
                attempt,
            } => {
                let clock = now.format("%H:%M:%S").to_string();
                self.logs.step_started(*phase, step, *attempt, &clock);
                self.checklist_top = None;
            }
            Event::Output {
                step, phase, lines, ..
            } => self.logs.step_output(*phase, step, lines),
            _ => {}
        }
    }

    /// Open the prompt that answers the manual or approval step `index` of `phase`.
    pub(crate) fn open_prompt(&mut self, phase: Phase, index: usize) {
        let s = &self.release.list(phase)[index];
        self.modal = Some(if s.kind == crate::runbook::StepType::Approval {
            Modal::Approval(Approval {
                phase,
                step: s.id.clone(),
                number: index + 1,
                title: s.title.clone(),
                approvers: s.info.approvers.clone(),
                reason_required: s.info.reason_required,
                name: TextInput::new(),
                reason: TextInput::new(),
                on_reason: false,
                error: None,
            })
        } else {
            Modal::Evidence(Evidence {
                phase,
                step: s.id.clone(),
                number: index + 1,
                title: s.title.clone(),
                required: s.info.evidence_required,
                instructions: self.instructions.get(&s.id).cloned(),
                input: TextInput::new(),
                error: None,
            })
        });
    }

    /// Whether the running step waits for an answer here; reopens its prompt if so.
    pub(crate) fn reopen_prompt(&mut self) -> bool {
        match self.release.running() {
            Some((p, i)) if self.release.list(p)[i].kind.is_answered() => {
                self.open_prompt(p, i);
                true
            }
            _ => false,
        }
    }

    /// Would the core accept `msg` now? (A dry run on a copy of the state.)
    pub(crate) fn check(&self, msg: Msg, now: DateTime<Utc>) -> Result<(), Refusal> {
        let mut copy = self.release.clone();
        release::update(&mut copy, msg, now).map(|_| ())
    }
}
