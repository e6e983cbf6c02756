//! Keys: a modal or the search prompt gets them first; otherwise the keymap turns them into
//! actions, and release actions into `release::Msg`s (checked first, so a prompt never asks
//! for a reason the core would then refuse).

use chrono::{DateTime, Utc};
use crossterm::event::{KeyCode, KeyEvent};

use crate::release::{Msg, ReleasePhase};

use super::app::{App, AppEffect, Focus, SearchInput};
use super::keymap::Action;
use super::layout;
use super::modal::cancel::CancelConfirm;
use super::modal::help::Help;
use super::modal::input::{Edit, TextInput};
use super::modal::mark_done::MarkDone;
use super::modal::quit::QuitConfirm;
use super::modal::rollback::RollbackConfirm;
use super::modal::skip::SkipReason;
use super::modal::{Modal, ModalOutcome};
use super::panes::checklist;

impl App {
    pub(crate) fn key(&mut self, ev: &KeyEvent, now: DateTime<Utc>, out: &mut Vec<AppEffect>) {
        if let Some(modal) = &mut self.modal {
            let outcome = if matches!(modal, Modal::Help(_))
                && self.keymap.action(ev) == Some(Action::Help)
            {
                ModalOutcome::Close(None)
            } else {
                modal.key(ev)
            };
            self.modal_outcome(outcome, now, out);
            return;
        }
        if self.search.is_some() {
            self.search_key(ev);
            return;
        }
        let Some(action) = self.keymap.action(ev) else {
            if ev.code == KeyCode::Esc {
                if self.logs.query().is_some() {
                    self.logs.set_query("");
                }
                self.status = None;
            }
            return;
        };
        self.status = None;
        self.action(action, now, out);
    }

    fn modal_outcome(
        &mut self,
        outcome: ModalOutcome,
        now: DateTime<Utc>,
        out: &mut Vec<AppEffect>,
    ) {
        match outcome {
            ModalOutcome::Keep => {}
            ModalOutcome::Close(why) => {
                self.modal = None;
                match why {
                    Some(w) => self.inform(w),
                    None => self.status = None,
                }
            }
            ModalOutcome::Quit => {
                self.modal = None;
                out.push(AppEffect::Quit);
            }
            ModalOutcome::Send(msg) => {
                let open = self.modal.take();
                if let Err(r) = self.send(*msg, now, out) {
                    match open {
                        Some(mut m) => {
                            if m.set_error(r.0.clone()) {
                                self.modal = Some(m);
                            } else {
                                self.refuse(r.0);
                            }
                        }
                        None => self.refuse(r.0),
                    }
                }
            }
        }
    }

    fn search_key(&mut self, ev: &KeyEvent) {
        let Some(s) = &mut self.search else { return };
        match s.input.key(ev) {
            Edit::Changed => {
                let text = s.input.text().to_owned();
                self.logs.set_query(&text);
            }
            Edit::Esc => {
                let before = s.before.clone();
                self.search = None;
                self.logs.set_query(&before);
            }
            Edit::Enter => {
                self.search = None;
                if self.logs.query().is_some() {
                    let h = self.log_rows();
                    if let Err(e) = self.logs.jump(false, h) {
                        self.refuse(e);
                    }
                }
            }
            Edit::Ignored => {}
        }
    }

    fn read_only(&mut self) -> bool {
        if let Some(holder) = &self.header.observing {
            let text = format!("read-only: observing {holder}'s release; actions are disabled");
            self.refuse(text);
            return true;
        }
        false
    }

    #[allow(clippy::too_many_lines)]
    fn action(&mut self, action: Action, now: DateTime<Utc>, out: &mut Vec<AppEffect>) {
        use Action as A;
        let release_action = matches!(
            action,
            A::Next | A::Retry | A::Skip | A::MarkDone | A::Cancel | A::Rollback
        );
        if release_action && self.read_only() {
            return;
        }
        let result = match action {
            A::Next => {
                if self.reopen_prompt() {
                    Ok(())
                } else {
                    self.send(Msg::Next, now, out)
                }
            }
            A::Retry => self.send(Msg::Retry, now, out),
            A::Skip => self
                .check(Msg::Skip { reason: "-".into() }, now)
                .map(|()| self.open_skip()),
            A::MarkDone => self
                .check(Msg::MarkDone { note: "-".into() }, now)
                .map(|()| self.open_mark_done()),
            A::Cancel => self.check(Msg::Cancel, now).map(|()| self.open_cancel()),
            A::Rollback => {
                let (target, _) = self.rollback_target();
                let by = self.header.operator.clone();
                self.check(Msg::Rollback { by, target }, now)
                    .map(|()| self.open_rollback())
            }
            A::FocusNext | A::FocusPrev => {
                let i = Focus::ORDER
                    .iter()
                    .position(|f| *f == self.focus)
                    .unwrap_or(0);
                let step = if action == A::FocusNext { 1 } else { 3 };
                self.focus = Focus::ORDER[(i + step) % 4];
                Ok(())
            }
            A::Up | A::Down | A::PageUp | A::PageDown | A::Home | A::End => {
                self.scroll(action);
                Ok(())
            }
            A::Search => {
                self.search = Some(SearchInput {
                    input: TextInput::new(),
                    before: self
                        .logs
                        .query()
                        .map(|q| q.text().to_owned())
                        .unwrap_or_default(),
                });
                Ok(())
            }
            A::NextMatch | A::PrevMatch => {
                let h = self.log_rows();
                self.logs
                    .jump(action == A::NextMatch, h)
                    .map_err(crate::release::Refusal)
            }
            A::Follow => {
                let h = self.log_rows();
                self.logs.toggle_follow(h);
                Ok(())
            }
            A::PrevSource | A::NextSource => {
                if self
                    .logs
                    .cycle(if action == A::NextSource { 1 } else { -1 })
                {
                    Ok(())
                } else {
                    Err(crate::release::Refusal("no log sources yet".into()))
                }
            }
            A::SaveLog => match self.logs.shown() {
                Some((src, _)) => {
                    let label = src.label();
                    self.inform(format!("saving the log of `{label}`…"));
                    out.push(AppEffect::SaveLog(label));
                    Ok(())
                }
                None => Err(crate::release::Refusal("no log source to save".into())),
            },
            A::Help => {
                self.modal = Some(Modal::Help(Help::default()));
                Ok(())
            }
            A::Quit => {
                self.quit(out);
                Ok(())
            }
        };
        if let Err(r) = result {
            self.refuse(r.0);
        }
    }

    fn quit(&mut self, out: &mut Vec<AppEffect>) {
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

    /// The rollback target and where it comes from.
    pub(crate) fn rollback_target(&self) -> (Option<String>, &'static str) {
        let r = &self.release;
        if let Some(t) = &r.rollback_target {
            (Some(t.clone()), "confirmed")
        } else if let Some(t) = r.armed.as_ref().and_then(|a| a.target.clone()) {
            (Some(t), "armed")
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

    fn open_skip(&mut self) {
        let (step, number, title) = self.current_step();
        self.modal = Some(Modal::Skip(SkipReason {
            step,
            number,
            title,
            input: TextInput::new(),
            error: None,
        }));
    }

    fn open_mark_done(&mut self) {
        let (step, number, title) = self.current_step();
        self.modal = Some(Modal::MarkDone(MarkDone {
            step,
            number,
            title,
            input: TextInput::new(),
            error: None,
        }));
    }

    fn open_cancel(&mut self) {
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

    fn open_rollback(&mut self) {
        let (target, target_source) = self.rollback_target();
        let r = &self.release;
        self.modal = Some(Modal::Rollback(RollbackConfirm {
            name: r.name.clone(),
            environment: r.environment.clone(),
            protected: r.protected || self.header.protected,
            target,
            target_source,
            armed: r.armed.as_ref().map(|a| a.reason.clone()),
            steps: r.rollback_steps.iter().map(|s| s.title.clone()).collect(),
            interrupts: r.running().map(|(p, i)| r.list(p)[i].id.clone()),
            by: self.header.operator.clone(),
            input: TextInput::new(),
        }));
    }

    /// Rows of the log pane at the current size.
    pub(crate) fn log_rows(&self) -> usize {
        self.areas()
            .map_or(10, |a| layout::inner_rows(a.logs))
            .max(1)
    }

    pub(crate) fn areas(&self) -> Option<layout::Areas> {
        let (w, h) = self.size;
        layout::compute(ratatui::layout::Rect::new(0, 0, w, h), self)
    }

    fn scroll(&mut self, action: Action) {
        use Action as A;
        let areas = self.areas();
        let rows_of = |f: fn(&layout::Areas) -> ratatui::layout::Rect| {
            areas
                .as_ref()
                .map_or(5, |a| layout::inner_rows(f(a)))
                .max(1)
        };
        match self.focus {
            Focus::Logs => {
                let h = rows_of(|a| a.logs);
                match action {
                    A::Up => self.logs.scroll_up(1, h),
                    A::Down => self.logs.scroll_down(1, h),
                    A::PageUp => self.logs.scroll_up(h.saturating_sub(1).max(1), h),
                    A::PageDown => self.logs.scroll_down(h.saturating_sub(1).max(1), h),
                    A::Home => self.logs.home(),
                    _ => self.logs.end(),
                }
            }
            Focus::Checklist => {
                let h = rows_of(|a| a.checklist);
                let rows = checklist::rows(self);
                let max = rows.len().saturating_sub(h);
                let top = self
                    .checklist_top
                    .unwrap_or_else(|| checklist::auto_top(self, &rows, h));
                self.checklist_top = match action {
                    A::Home => Some(0),
                    A::End => None,
                    _ => Some(step(top, action, h).min(max)),
                };
            }
            Focus::Gates => {
                let h = rows_of(|a| a.gates);
                let max = self.gates.len().saturating_sub(h);
                self.gates_top = step(self.gates_top, action, h).min(max);
            }
            Focus::Services => {
                let h = rows_of(|a| a.services);
                let max = self.services.len().saturating_sub(h);
                self.services_top = step(self.services_top, action, h).min(max);
            }
        }
    }
}

/// A scroll offset after `action` in a pane of `h` rows.
fn step(top: usize, action: Action, h: usize) -> usize {
    let page = h.saturating_sub(1).max(1);
    match action {
        Action::Up => top.saturating_sub(1),
        Action::Down => top + 1,
        Action::PageUp => top.saturating_sub(page),
        Action::PageDown => top + page,
        Action::Home => 0,
        _ => usize::MAX,
    }
}
