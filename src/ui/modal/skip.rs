//! The skip prompt: a reason for skipping the current step; `Enter` journals the skip.

use crossterm::event::KeyEvent;
use ratatui::text::{Line, Span};

use crate::release::Msg;
use crate::ui::theme::Theme;

use super::input::{Edit, TextInput};
use super::{Body, ModalOutcome, Row, error_row, hint};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkipReason {
    pub step: String,
    pub number: usize,
    pub title: String,
    pub input: TextInput,
    pub error: Option<String>,
}

impl SkipReason {
    pub fn key(&mut self, ev: &KeyEvent) -> ModalOutcome {
        match self.input.key(ev) {
            Edit::Enter => ModalOutcome::Send(Box::new(Msg::Skip {
                reason: self.input.text().trim().to_owned(),
            })),
            Edit::Esc => ModalOutcome::Close(Some("skip cancelled".into())),
            Edit::Changed => {
                self.error = None;
                ModalOutcome::Keep
            }
            Edit::Ignored => ModalOutcome::Keep,
        }
    }

    pub fn body(&self, theme: &Theme) -> Body<'_> {
        let mut rows = vec![
            Row::Text(Line::styled(
                "Why is this step skipped? (journaled)",
                theme.text,
            )),
            Row::Input(&self.input, true),
        ];
        rows.extend(error_row(self.error.as_ref(), theme));
        rows.push(Row::Blank);
        rows.push(Row::Text(hint(
            &[("⏎", "skip it"), ("esc", "cancel")],
            theme,
        )));
        Body {
            title: Line::from(vec![
                Span::styled(" Skip · ", theme.title),
                Span::styled(format!("{} {} ", self.number, self.title), theme.accent),
            ]),
            border: theme.border_focused,
            rows,
        }
    }
}
