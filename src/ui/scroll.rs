//! Scrolling the focused pane (arrows, PgUp/PgDn, Home/End), with page sizes from the layout.

use super::app::{App, Focus};
use super::keymap::Action;
use super::layout;
use super::panes::checklist;

impl App {
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

    pub(crate) fn scroll(&mut self, action: Action) {
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
                // ↑↓ select a gate (for `g`); the pane scrolls to keep it in view.
                let h = rows_of(|a| a.gates);
                let last = self.gates.len().saturating_sub(1);
                let at = match self.gate_selected {
                    None if matches!(action, A::Up | A::Down) => self.gates_top,
                    None => step(self.gates_top, action, h),
                    Some(i) => step(i, action, h),
                }
                .min(last);
                self.gate_selected = (!self.gates.is_empty()).then_some(at);
                if at < self.gates_top {
                    self.gates_top = at;
                } else if at >= self.gates_top + h {
                    self.gates_top = at + 1 - h;
                }
            }
            Focus::Services => {
                let h = rows_of(|a| a.services);
                let max = super::panes::services::wanted_rows(self).saturating_sub(h);
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
