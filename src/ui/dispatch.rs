//! The App's side of the driver: a message for the core is checked against the durable state
//! the screen shows and handed to the driver (`AppEffect::Send`); durable records come back
//! (`journaled`) and are applied; a manual or approval step's prompt opens when the driver
//! says the step waits for its answer.

use chrono::{DateTime, Utc};

use crate::release::{self, Event, Msg, Phase, Refusal};

use super::app::{App, AppEffect, AppMsg};
use super::modal::Modal;
use super::modal::approval::Approval;
use super::modal::evidence::Evidence;
use super::modal::input::TextInput;
use super::modal::note::{NoteKind, NotePrompt};

impl App {
    /// Check `msg` against the state shown and hand it to the driver. On refusal nothing is sent.
    pub(crate) fn send(
        &mut self,
        msg: Msg,
        now: DateTime<Utc>,
        out: &mut Vec<AppEffect>,
    ) -> Result<(), Refusal> {
        // A prompt opened before its step's start was durable answers a step the core has
        // running already: the core checks it.
        if let Some(why) = &self.halted {
            return Err(Refusal(why.clone()));
        }
        if self.awaiting.is_none() {
            self.check(msg.clone(), now)?;
        }
        out.push(AppEffect::Send(msg));
        Ok(())
    }

    /// Send `msg` (`Next` or `Retry`) and, when it starts a step a person answers, open its
    /// prompt at once: keys typed right after ⏎ belong to the prompt even while the step's
    /// start waits for the disk.
    pub(crate) fn start_step(
        &mut self,
        msg: Msg,
        now: DateTime<Utc>,
        out: &mut Vec<AppEffect>,
    ) -> Result<(), Refusal> {
        let target = self.release.current();
        self.send(msg, now, out)?;
        if let Some((p, i)) = target
            && self.release.list(p)[i].kind.is_answered()
            && self.release.running().is_none()
        {
            self.awaiting = Some((p, self.release.list(p)[i].id.clone()));
            self.open_prompt(p, i);
        }
        Ok(())
    }

    /// What the driver reports: durable records, prompts, the policy, a halt, a slow journal.
    pub(crate) fn driver_msg(&mut self, msg: AppMsg) {
        match msg {
            AppMsg::Journaled(ev, at) => {
                self.dirty = true;
                self.journaled(&ev, at);
            }
            AppMsg::Prompt { phase, index } => {
                self.dirty = true;
                let open_already = self.modal.as_ref().and_then(Modal::running_step)
                    == self
                        .release
                        .list(phase)
                        .get(index)
                        .map(|s| (phase, s.id.as_str()));
                let step = self.release.list(phase).get(index);
                // A watch's warnings are asked for over no other prompt (⏎ asks again).
                let wanted = step.is_some_and(|s| {
                    s.kind.is_answered() || (s.ack_pending && self.modal.is_none())
                });
                if self.header.observing.is_none() && !open_already && wanted {
                    self.open_prompt(phase, index);
                }
            }
            AppMsg::Policy(p) => {
                self.dirty = true;
                if p.countdown.is_some() {
                    self.countdown_stopped = false;
                }
                if self.release.armed.is_none() {
                    self.countdown_stopped = false;
                }
                self.policy = p;
            }
            AppMsg::Halted(why) => {
                self.dirty = true;
                if self.awaiting.take().is_some() {
                    self.modal = None;
                }
                self.refuse(why.clone());
                self.halted = Some(why);
            }
            AppMsg::JournalPending(n) => {
                self.dirty = true;
                self.journal_pending = n;
            }
            _ => {}
        }
    }

    /// A record is durable: apply it to the state shown, and keep the logs in step.
    pub(crate) fn journaled(&mut self, ev: &Event, at: DateTime<Utc>) {
        self.release.apply(ev, at);
        self.observe(ev, at);
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
            Event::Anchor {
                remote: Some(remote),
                pushed,
                error,
                ..
            } => {
                self.anchor_warning = (!pushed).then(|| {
                    let why = error.clone().unwrap_or_else(|| format!("not pushed to {remote}"));
                    format!(
                        "anchor push failed: {why} · retried at the next seal point or by `flightdeck journal push`"
                    )
                });
                self.refresh_warning();
            }
            Event::GateResult {
                step: Some(step),
                gate,
                state,
                value,
                ..
            } if self.is_watch(step) => self.series.record(step, gate, state, value, now),
            Event::Baseline { gate, value, .. } => self.series.set_baseline(gate, *value),
            _ => {}
        }
    }

    /// Whether `step` is a watch step (its gate results are its triggers' measurements).
    fn is_watch(&self, step: &str) -> bool {
        self.release
            .steps
            .iter()
            .chain(self.release.rollback_steps.iter())
            .any(|s| s.id == step && s.kind == crate::runbook::StepType::Watch)
    }

    /// Open the prompt that answers the manual or approval step `index` of `phase`.
    pub(crate) fn open_prompt(&mut self, phase: Phase, index: usize) {
        let s = &self.release.list(phase)[index];
        if s.ack_pending {
            let step = (s.id.clone(), index + 1, s.title.clone());
            let prompt =
                NotePrompt::new(NoteKind::AckWarnings, step).with_detail(s.warnings_text());
            self.modal = Some(Modal::AckWarnings(prompt));
            return;
        }
        if s.kind == crate::runbook::StepType::Approval && self.release.trust.signed_approvals {
            // Signed approvals come from the approvers' shells (`flightdeck approve`): the
            // checklist says so; there is nothing to type here.
            return;
        }
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
        if let Some((p, i)) = self.release.ack_pending() {
            self.open_prompt(p, i);
            return true;
        }
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
        if let Some(why) = &self.halted {
            return Err(Refusal(why.clone()));
        }
        let mut copy = self.release.clone();
        release::update(&mut copy, msg, now).map(|_| ())
    }
}
