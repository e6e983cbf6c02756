//! The quit confirmation, shown while a step runs or the release is unfinished: `y` quits;
//! `n`, `Esc` and `Enter` stay. The journal keeps the release resumable.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::text::Line;

use crate::ui::theme::Theme;

use super::{Body, ModalOutcome, Row, hint};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuitConfirm {
    /// Why quitting needs a confirmation: a step runs, or the release is unfinished.
    pub reason: String,
}

impl QuitConfirm {
    pub fn key(&mut self, ev: &KeyEvent) -> ModalOutcome {
        match ev.code {
            KeyCode::Char('y' | 'Y') => ModalOutcome::Quit,
            KeyCode::Char('n' | 'N' | 'q') | KeyCode::Esc | KeyCode::Enter => {
                ModalOutcome::Close(None)
            }
            _ => ModalOutcome::Keep,
        }
    }

    pub fn body(&self, theme: &Theme) -> Body<'_> {
        Body {
            title: Line::styled(" Quit flightdeck? ", theme.title),
            border: theme.warn,
            rows: vec![
                Row::Wrap(format!("{}.", self.reason), theme.warn),
                Row::Wrap(
                    "The journal keeps the release resumable: run flightdeck again to resume it."
                        .into(),
                    theme.text,
                ),
                Row::Blank,
                Row::Text(hint(&[("y", "quit"), ("n/esc/⏎", "stay")], theme)),
            ],
        }
    }
}
