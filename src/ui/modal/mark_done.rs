//! The mark-done prompt: a note for marking an interrupted step done; `Enter` journals it.

use crossterm::event::KeyEvent;
use ratatui::text::{Line, Span};

use crate::release::Msg;
use crate::ui::theme::Theme;

use super::input::{Edit, TextInput};
use super::{Body, ModalOutcome, Row, error_row, hint};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MarkDone {
    pub step: String,
    pub number: usize,
    pub title: String,
    pub input: TextInput,
    pub error: Option<String>,
}

impl MarkDone {
    pub fn key(&mut self, ev: &KeyEvent) -> ModalOutcome {
        match self.input.key(ev) {
            Edit::Enter => ModalOutcome::Send(Box::new(Msg::MarkDone {
                note: self.input.text().trim().to_owned(),
            })),
            Edit::Esc => ModalOutcome::Close(Some("mark done cancelled".into())),
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
                "flightdeck stopped while this step ran, so its outcome is unknown. \
                 Say how you checked that it completed (journaled):"
                    .into(),
                theme.text,
            ),
            Row::Input(&self.input, true),
        ];
        rows.extend(error_row(self.error.as_ref(), theme));
        rows.push(Row::Blank);
        rows.push(Row::Text(hint(
            &[("⏎", "mark it done"), ("esc", "cancel")],
            theme,
        )));
        Body {
            title: Line::from(vec![
                Span::styled(" Mark done · ", theme.title),
                Span::styled(format!("{} {} ", self.number, self.title), theme.accent),
            ]),
            border: theme.border_focused,
            rows,
        }
    }
}
