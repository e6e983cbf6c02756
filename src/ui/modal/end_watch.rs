//! The end-watch prompt: a note for ending a running watch early; `Enter` journals it.

use crossterm::event::KeyEvent;
use ratatui::text::{Line, Span};

use crate::release::Msg;
use crate::ui::theme::Theme;

use super::input::{Edit, TextInput};
use super::{Body, ModalOutcome, Row, error_row, hint};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndWatch {
    pub step: String,
    pub number: usize,
    pub title: String,
    pub input: TextInput,
    pub error: Option<String>,
}

impl EndWatch {
    pub fn key(&mut self, ev: &KeyEvent) -> ModalOutcome {
        match self.input.key(ev) {
            Edit::Enter => ModalOutcome::Send(Box::new(Msg::EndWatch {
                note: self.input.text().trim().to_owned(),
            })),
            Edit::Esc => ModalOutcome::Close(Some("ending the watch cancelled".into())),
            Edit::Changed => {
                self.error = None;
                ModalOutcome::Keep
            }
            Edit::Ignored => ModalOutcome::Keep,
        }
    }

    pub fn body(&self, theme: &Theme) -> Body<'_> {
        let mut rows = vec![
            Row::Wrap(
                "The watch ends now and counts as passed. \
                 Say why it can end early (journaled):"
                    .into(),
                theme.text,
            ),
            Row::Input(&self.input, true),
        ];
        rows.extend(error_row(self.error.as_ref(), theme));
        rows.push(Row::Blank);
        rows.push(Row::Text(hint(
            &[("⏎", "end the watch"), ("esc", "cancel")],
            theme,
        )));
        Body {
            title: Line::from(vec![
                Span::styled(" End the watch · ", theme.title),
                Span::styled(format!("{} {} ", self.number, self.title), theme.accent),
            ]),
            border: theme.border_focused,
            rows,
        }
    }
}
