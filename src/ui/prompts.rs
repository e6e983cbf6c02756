//! Opening the prompts that release keys ask for (skip reason, mark-done note, cancel,
//! rollback, quit), with what each names: the step, the rollback target, the reason to ask.

use crate::release::ReleasePhase;

use super::app::{App, AppEffect};
use super::modal::Modal;
use super::modal::cancel::CancelConfirm;
use super::modal::input::TextInput;
use super::modal::note::{NoteKind, NotePrompt};
use super::modal::quit::QuitConfirm;
use super::modal::rollback::RollbackConfirm;

impl App {
    pub(crate) fn quit(&mut self, out: &mut Vec<AppEffect>) {
        let reason = match (self.release.phase, self.release.running()) {
            (ReleasePhase::NotStarted | ReleasePhase::Finished(_), _) => None,
            (_, Some((p, i))) => Some(format!("Step `{}` is running", self.release.list(p)[i].id)),
            (ReleasePhase::RollingBack, None) => Some("The rollback is unfinished".to_owned()),
            (_, None) => Some("The release is unfinished".to_owned()),
        };
        match reason {
            None => out.push(AppEffect::Quit),
            Some(reason) => self.modal = Some(Modal::Quit(QuitConfirm { reason })),
        }
    }

    /// The rollback target and where it comes from: `confirmed`, `armed`, `pick` (none yet:
    /// the picker chooses it), `previous` or `none`.
    pub(crate) fn rollback_target(&self) -> (Option<String>, &'static str) {
        let r = &self.release;
        if let Some(t) = &r.rollback_target {
            (Some(t.clone()), "confirmed")
        } else if let Some(t) = r.armed.as_ref().and_then(|a| a.target.clone()) {
            (Some(t), "armed")
        } else if self.pick {
            (None, "pick")
        } else if let Some(t) = r.previous.clone().or_else(|| self.header.previous.clone()) {
            (Some(t), "previous")
        } else {
            (None, "none")
        }
    }

    fn current_step(&self) -> (String, usize, String) {
        match self.release.current().or(self.release.running()) {
            Some((p, i)) => {
                let s = &self.release.list(p)[i];
                (s.id.clone(), i + 1, s.title.clone())
            }
            None => (String::new(), 0, String::new()),
        }
    }

    pub(crate) fn open_skip(&mut self) {
        self.modal = Some(Modal::Skip(NotePrompt::new(
            NoteKind::Skip,
            self.current_step(),
        )));
    }

    /// `e`: the foreground watch, else the first background watch.
    pub(crate) fn open_end_watch(&mut self) {
        let r = &self.release;
        let watch = r
            .running()
            .filter(|(p, i)| r.list(*p)[*i].kind == crate::runbook::StepType::Watch)
            .or_else(|| r.background_running().first().copied());
        let step = match watch {
            Some((p, i)) => {
                let s = &r.list(p)[i];
                (s.id.clone(), i + 1, s.title.clone())
            }
            None => self.current_step(),
        };
        // Several background watches (and no foreground one): `tab` picks which one ends.
        let choices = if r
            .running()
            .is_some_and(|(p, i)| r.list(p)[i].kind == crate::runbook::StepType::Watch)
        {
            Vec::new()
        } else {
            r.background_running()
                .into_iter()
                .map(|(p, i)| {
                    let s = &r.list(p)[i];
                    (s.id.clone(), i + 1, s.title.clone())
                })
                .collect()
        };
        self.modal = Some(Modal::EndWatch(
            NotePrompt::new(NoteKind::EndWatch, step).with_choices(choices),
        ));
    }

    pub(crate) fn open_mark_done(&mut self) {
        self.modal = Some(Modal::MarkDone(NotePrompt::new(
            NoteKind::MarkDone,
            self.current_step(),
        )));
    }

    pub(crate) fn open_cancel(&mut self) {
        if let Some((phase, i)) = self.release.running() {
            let s = &self.release.list(phase)[i];
            self.modal = Some(Modal::Cancel(CancelConfirm {
                phase,
                step: s.id.clone(),
                number: i + 1,
                title: s.title.clone(),
            }));
        }
    }

    pub(crate) fn open_rollback(&mut self) {
        let (target, target_source) = self.rollback_target();
        self.open_rollback_to(target, target_source);
    }

    /// The confirmation for a rollback to `target` (`target_source` says where it came from).
    pub(crate) fn open_rollback_to(&mut self, target: Option<String>, target_source: &'static str) {
        let r = &self.release;
        self.modal = Some(Modal::Rollback(RollbackConfirm {
            name: r.name.clone(),
            environment: r.environment.clone(),
            protected: r.protected || self.header.protected,
            target_age: target.as_deref().and_then(|t| self.target_age(t)),
            target,
            target_source,
            armed: r.armed.as_ref().map(|a| a.reason.clone()),
            steps: r.rollback_steps.iter().map(|s| s.title.clone()).collect(),
            interrupts: r.running().map(|(p, i)| r.list(p)[i].id.clone()),
            waits: r.running().is_some_and(|(p, i)| {
                let k = r.list(p)[i].kind;
                !k.is_answered() && k != crate::runbook::StepType::Watch
            }),
            by: self.header.operator.clone(),
            input: TextInput::new(),
        }));
    }
}
