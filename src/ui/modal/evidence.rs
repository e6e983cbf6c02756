//! The evidence prompt: opened when a manual step runs; `Enter` journals the typed note and
//! marks the step done (the core refuses an empty note when evidence is required).

use crossterm::event::KeyEvent;
use ratatui::text::{Line, Span};

use crate::release::{Msg, Phase};
use crate::ui::theme::Theme;

use super::input::{Edit, TextInput};
use super::{Body, ModalOutcome, Row, error_row, hint};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evidence {
    pub phase: Phase,
    pub step: String,
    pub number: usize,
    pub title: String,
    pub required: bool,
    pub instructions: Option<String>,
    pub input: TextInput,
    pub error: Option<String>,
}

impl Evidence {
    pub fn key(&mut self, ev: &KeyEvent) -> ModalOutcome {
        match self.input.key(ev) {
            Edit::Enter => ModalOutcome::Send(Box::new(Msg::Evidence {
                note: self.input.text().trim().to_owned(),
                source: "operator".into(),
            })),
            Edit::Esc => ModalOutcome::Close(Some(format!(
                "step `{}` waits for evidence: ⏎ to give it · x to cancel the step",
                self.step
            ))),
            Edit::Changed => {
                self.error = None;
                ModalOutcome::Keep
            }
            Edit::Ignored => ModalOutcome::Keep,
        }
    }

    pub fn body(&self, theme: &Theme) -> Body<'_> {
        let mut rows = Vec::new();
        if let Some(i) = &self.instructions {
            rows.push(Row::Wrap(i.clone(), theme.text));
            rows.push(Row::Blank);
        }
        let need = if self.required {
            Span::styled("required", theme.warn)
        } else {
            Span::styled("optional", theme.muted)
        };
        rows.push(Row::Text(Line::from(vec![
            Span::styled("Evidence (", theme.text),
            need,
            Span::styled("): a note, a ticket or a link", theme.text),
        ])));
        rows.push(Row::Input(&self.input, true));
        rows.extend(error_row(self.error.as_ref(), theme));
        rows.push(Row::Blank);
        rows.push(Row::Text(hint(
            &[("⏎", "record it and mark the step done"), ("esc", "later")],
            theme,
        )));
        Body {
            title: Line::from(vec![
                Span::styled(" Evidence · ", theme.title),
                Span::styled(format!("{} {} ", self.number, self.title), theme.accent),
            ]),
            border: theme.border_focused,
            rows,
        }
    }
}
