//! The cancel confirmation: `y` cancels the running step; `n`, `Esc` and `Enter` keep it.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::text::{Line, Span};

use crate::release::{Msg, Phase};
use crate::ui::theme::Theme;

use super::{Body, ModalOutcome, Row, hint};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CancelConfirm {
    pub phase: Phase,
    pub step: String,
    pub number: usize,
    pub title: String,
}

impl CancelConfirm {
    pub fn key(&mut self, ev: &KeyEvent) -> ModalOutcome {
        match ev.code {
            KeyCode::Char('y' | 'Y') => ModalOutcome::Send(Box::new(Msg::Cancel)),
            KeyCode::Char('n' | 'N') | KeyCode::Esc | KeyCode::Enter => {
                ModalOutcome::Close(Some(format!("step `{}` keeps running", self.step)))
            }
            _ => ModalOutcome::Keep,
        }
    }

    pub fn body(&self, theme: &Theme) -> Body<'_> {
        Body {
            title: Line::styled(" Cancel the running step? ", theme.title),
            border: theme.warn,
            rows: vec![
                Row::Text(Line::from(vec![
                    Span::styled("▶ ", theme.running),
                    Span::styled(format!("{} {}", self.number, self.title), theme.text),
                ])),
                Row::Wrap(
                    "Its process group is stopped and the step is marked failed (cancelled); \
                     you can then retry it, skip it or roll back."
                        .into(),
                    theme.muted,
                ),
                Row::Blank,
                Row::Text(hint(
                    &[("y", "cancel the step"), ("n/esc/⏎", "keep it running")],
                    theme,
                )),
            ],
        }
    }
}
