//! The mouse (`--mouse`): a click focuses the pane under the pointer, the wheel scrolls the pane
//! under the pointer (focusing it) three lines a notch.

use crossterm::event::{MouseButton, MouseEvent, MouseEventKind};
use ratatui::layout::{Position, Rect};

use super::app::{App, Focus};
use super::keymap::Action;

impl App {
    pub(crate) fn mouse(&mut self, ev: MouseEvent) {
        let Some(areas) = self.areas() else { return };
        let at = Position::new(ev.column, ev.row);
        let panes: [(Rect, Focus); 4] = [
            (areas.checklist, Focus::Checklist),
            (areas.services, Focus::Services),
            (areas.gates, Focus::Gates),
            (areas.logs, Focus::Logs),
        ];
        let Some(pane) = panes.iter().find(|(r, _)| r.contains(at)).map(|(_, f)| *f) else {
            return;
        };
        let scroll = match ev.kind {
            MouseEventKind::Down(MouseButton::Left) => None,
            MouseEventKind::ScrollUp => Some(Action::Up),
            MouseEventKind::ScrollDown => Some(Action::Down),
            _ => return,
        };
        if self.modal.is_some() {
            return;
        }
        self.focus = pane;
        self.dirty = true;
        if let Some(a) = scroll {
            for _ in 0..3 {
                self.scroll(a);
            }
        }
    }
}
