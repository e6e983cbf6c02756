//! Keys: a modal or the search prompt gets them first; otherwise the keymap turns them into
//! actions, and release actions into `release::Msg`s (checked first, so a prompt never asks
//! for a reason the core would then refuse).

use chrono::{DateTime, Utc};
use crossterm::event::{KeyCode, KeyEvent};

use crate::release::Msg;

use super::app::{App, AppEffect, Focus, SearchInput};
use super::keymap::Action;
use super::modal::help::Help;
use super::modal::input::{Edit, TextInput};
use super::modal::{Modal, ModalOutcome};

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
            ModalOutcome::Pick(target) => {
                self.modal = None;
                self.open_rollback_to(Some(target), "picked");
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
                if s.filter {
                    self.logs.set_filter(&text);
                } else {
                    self.logs.set_query(&text);
                }
            }
            Edit::Esc => {
                let before = s.before.clone();
                let filter = s.filter;
                self.search = None;
                if filter {
                    self.logs.set_filter(&before);
                } else {
                    self.logs.set_query(&before);
                }
            }
            Edit::Enter => {
                let filter = s.filter;
                self.search = None;
                if !filter && self.logs.query().is_some() {
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

    fn action(&mut self, action: Action, now: DateTime<Utc>, out: &mut Vec<AppEffect>) {
        use Action as A;
        let release_action = matches!(
            action,
            A::Next
                | A::Retry
                | A::Skip
                | A::MarkDone
                | A::Cancel
                | A::Rollback
                | A::ExtendWatch
                | A::EndWatch
        );
        if release_action && self.read_only() {
            return;
        }
        let result = match action {
            A::Next => {
                if self.reopen_prompt() {
                    Ok(())
                } else {
                    self.start_step(Msg::Next, now, out)
                }
            }
            A::Retry => self.start_step(Msg::Retry, now, out),
            A::Skip => self
                .check(Msg::Skip { reason: "-".into() }, now)
                .map(|()| self.open_skip()),
            A::MarkDone => self
                .check(Msg::MarkDone { note: "-".into() }, now)
                .map(|()| self.open_mark_done()),
            A::Cancel => self.check(Msg::Cancel, now).map(|()| self.open_cancel()),
            A::ExtendWatch => self.send(Msg::ExtendWatch { by_ms: 300_000 }, now, out),
            A::EndWatch => self
                .check(Msg::EndWatch { note: "-".into() }, now)
                .map(|()| self.open_end_watch()),
            A::Rollback => {
                let (target, source) = self.rollback_target();
                let by = self.header.operator.clone();
                self.check(Msg::Rollback { by, target }, now)
                    .and_then(|()| {
                        if source == "pick" {
                            self.open_picker(out)
                        } else {
                            self.open_rollback();
                            Ok(())
                        }
                    })
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
            A::Search
            | A::Filter
            | A::Timestamps
            | A::NextMatch
            | A::PrevMatch
            | A::Follow
            | A::PrevSource
            | A::NextSource
            | A::SaveLog => self.log_action(action, out),
            A::PrevService | A::NextService => self
                .cycle_service(if action == A::NextService { 1 } else { -1 })
                .map(|name| out.push(AppEffect::SelectService(name))),
            A::Expand | A::Fold => self.fold(action == A::Expand),
            A::Chart => self.open_chart(),
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

    /// The log pane's keys: search, filter, timestamps, matches, follow, sources, save.
    fn log_action(
        &mut self,
        action: Action,
        out: &mut Vec<AppEffect>,
    ) -> Result<(), crate::release::Refusal> {
        use Action as A;
        match action {
            A::Search => {
                self.search = Some(SearchInput {
                    input: TextInput::new(),
                    before: self
                        .logs
                        .query()
                        .map(|q| q.text().to_owned())
                        .unwrap_or_default(),
                    filter: false,
                });
                Ok(())
            }
            A::Filter => {
                self.search = Some(SearchInput {
                    input: TextInput::new(),
                    before: self
                        .logs
                        .filter()
                        .map(|q| q.text().to_owned())
                        .unwrap_or_default(),
                    filter: true,
                });
                Ok(())
            }
            A::Timestamps => {
                self.logs.toggle_timestamps();
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
            _ => Ok(()),
        }
    }
}
