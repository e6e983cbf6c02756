//! `apply`: the fold of one journaled event into the release state (live, on replay, and for
//! the screen's durable view alike).

use chrono::{DateTime, Utc};

use super::event::{Event, Outcome};
use super::state::{Armed, OUTPUT_TAIL, ReleasePhase, ReleaseState, StepState, StepStatus};

impl ReleaseState {
    /// Fold one event into the state. `at` is the event's time (the record's `ts`).
    pub fn apply(&mut self, ev: &Event, at: DateTime<Utc>) {
        match ev {
            Event::ReleaseStarted { .. } => self.apply_started(ev, at),
            Event::StepStarted { .. }
            | Event::Output { .. }
            | Event::StepFinished { .. }
            | Event::Skip { .. } => self.apply_step(ev, at),
            Event::Evidence { .. } | Event::Approval { .. } | Event::Note { .. } => {
                self.apply_answer(ev, at);
            }
            Event::RollbackArmed { .. }
            | Event::RollbackConfirmed { .. }
            | Event::RollbackStarted { .. }
            | Event::RollbackFinished { .. } => self.apply_rollback(ev),
            Event::OperatorDisconnected { .. } => self.disconnected = true,
            Event::ReleaseFinished { outcome } => {
                self.phase = ReleasePhase::Finished(*outcome);
                self.finished_at = Some(at);
            }
            Event::GateResult {
                step: Some(step),
                gate,
                state,
                ..
            } if state == "warn" => {
                if let Some(s) = self.step_in_any(step) {
                    *s.warnings.entry(gate.clone()).or_insert(0) += 1;
                }
            }
            Event::Baseline {
                step,
                gate,
                samples,
                value,
                error,
            } => {
                let taken = super::state::TakenBaseline {
                    step: step.clone(),
                    samples: samples.clone(),
                    value: *value,
                    error: error.clone(),
                };
                self.baselines.insert(gate.clone(), taken);
            }
            Event::GateResult { .. }
            | Event::Notification { .. }
            | Event::TriggerTripped { .. }
            | Event::TriggerInconclusive { .. }
            | Event::DockerAction { .. }
            | Event::LockTakenOver { .. }
            | Event::Seal { .. }
            | Event::SealSkipped { .. }
            | Event::Anchor { .. } => {}
        }
    }

    /// `release-started`: the release, its steps and its rollback steps.
    fn apply_started(&mut self, ev: &Event, at: DateTime<Utc>) {
        let Event::ReleaseStarted {
            release_id,
            name,
            environment,
            version,
            protected,
            previous,
            lkg,
            drill,
            steps,
            rollback_steps,
            trust,
            ..
        } = ev
        else {
            return;
        };
        self.release_id.clone_from(release_id);
        self.name.clone_from(name);
        self.environment.clone_from(environment);
        self.version.clone_from(version);
        self.protected = *protected;
        self.drill = *drill;
        self.previous.clone_from(previous);
        self.lkg.clone_from(lkg);
        self.trust = trust.as_deref().cloned().unwrap_or_default();
        self.steps = steps.iter().map(StepState::new).collect();
        self.rollback_steps = rollback_steps.iter().map(StepState::new).collect();
        self.phase = ReleasePhase::InProgress;
        self.started_at = Some(at);
    }

    /// A step starting, printing, finishing or being skipped.
    fn apply_step(&mut self, ev: &Event, at: DateTime<Utc>) {
        match ev {
            Event::StepStarted {
                step,
                phase,
                attempt,
            } => {
                if let Some(s) = self.step_mut(*phase, step) {
                    s.status = StepStatus::Running;
                    s.attempts = *attempt;
                    s.started_at = Some(at);
                    s.finished_at = None;
                    s.duration_ms = None;
                    s.exit_code = None;
                    s.warnings.clear();
                    s.ack_pending = false;
                    // A new attempt of an approval step collects its approvals anew.
                    s.approvals.clear();
                }
            }
            Event::Output {
                step, phase, lines, ..
            } => {
                if let Some(s) = self.step_mut(*phase, step) {
                    for l in lines {
                        if s.output_tail.len() == OUTPUT_TAIL {
                            s.output_tail.pop_front();
                        }
                        s.output_tail.push_back(l.clone());
                    }
                    s.output_lines += lines.len() as u64;
                }
            }
            Event::StepFinished {
                step,
                phase,
                outcome,
                exit_code,
                reason,
                duration_ms,
                captures,
            } => {
                if let Some(s) = self.step_mut(*phase, step) {
                    s.status = match outcome {
                        Outcome::Succeeded => StepStatus::Succeeded,
                        _ => StepStatus::Failed(
                            reason.clone().unwrap_or_else(|| "failed".to_owned()),
                        ),
                    };
                    s.exit_code = *exit_code;
                    s.duration_ms = Some(*duration_ms);
                    s.finished_at = Some(at);
                    s.ack_pending = false;
                }
                for (k, v) in captures {
                    self.captures.insert(k.clone(), v.clone());
                }
            }
            Event::Skip {
                step,
                phase,
                reason,
            } => {
                if let Some(s) = self.step_mut(*phase, step) {
                    s.status = StepStatus::Skipped(reason.clone());
                    s.finished_at = Some(at);
                }
            }
            _ => {}
        }
    }

    /// Evidence, an approval, or a note (which may mark a step done or extend a watch).
    fn apply_answer(&mut self, ev: &Event, at: DateTime<Utc>) {
        match ev {
            Event::Evidence { step, note, .. } => {
                if let Some(s) = self.step_in_any(step) {
                    s.evidence = Some(note.clone());
                }
            }
            Event::Approval {
                step,
                name,
                reason,
                key,
                decision,
                ..
            } => {
                if let Some(s) = self.step_in_any(step) {
                    s.approval = Some((name.clone(), reason.clone()));
                    if decision.as_deref() != Some("reject")
                        && !s.approvals.iter().any(|a| &a.principal == name)
                    {
                        s.approvals.push(super::state::Approver {
                            principal: name.clone(),
                            key: key.clone(),
                        });
                    }
                }
            }
            Event::Note {
                step,
                phase,
                action,
                text,
                extend_ms,
            } => {
                if let (Some(step), Some(phase), Some(ms)) = (step, phase, extend_ms)
                    && let Some(s) = self.step_mut(*phase, step)
                {
                    s.extended_ms = s.extended_ms.saturating_add(*ms);
                }
                if let (Some(step), Some(phase)) = (step, phase)
                    && let Some(s) = self.step_mut(*phase, step)
                {
                    s.note = Some(text.clone());
                    match action.as_deref() {
                        Some("mark-done") => {
                            s.status = StepStatus::Succeeded;
                            s.finished_at = Some(at);
                        }
                        Some("warnings-ack-needed") => s.ack_pending = true,
                        Some("warnings-ack") => s.ack_pending = false,
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }

    /// Arming, confirming, starting and finishing the rollback.
    fn apply_rollback(&mut self, ev: &Event) {
        match ev {
            Event::RollbackArmed { reason, target } => {
                self.armed = Some(Armed {
                    reason: reason.clone(),
                    target: target.clone(),
                });
            }
            Event::RollbackConfirmed { target, .. } => {
                self.rollback_target.clone_from(target);
            }
            Event::RollbackStarted { target, .. } => {
                self.phase = ReleasePhase::RollingBack;
                if target.is_some() {
                    self.rollback_target.clone_from(target);
                }
                for s in &mut self.rollback_steps {
                    *s = StepState::new(&s.info.clone());
                }
            }
            Event::RollbackFinished { .. } => {
                self.armed = None;
            }
            _ => {}
        }
    }
}
