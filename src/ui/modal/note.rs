//! The note prompts: a reason to skip the current step, a note to mark an interrupted step
//! done, a note to end a running watch early. `Enter` sends it (journaled); `Esc` cancels.

use crossterm::event::KeyEvent;
use ratatui::text::{Line, Span};

use crate::release::Msg;
use crate::ui::theme::Theme;

use super::input::{Edit, TextInput};
use super::{Body, ModalOutcome, Row, error_row, hint};

/// What the note is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoteKind {
    Skip,
    MarkDone,
    EndWatch,
    /// Acknowledge the warnings a watch saw (the warn band): the watch then passes.
    AckWarnings,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotePrompt {
    pub kind: NoteKind,
    pub step: String,
    pub number: usize,
    pub title: String,
    pub input: TextInput,
    pub error: Option<String>,
    /// What the prompt is about beyond the step (the warnings to acknowledge).
    pub detail: String,
    /// Ending a watch with several running: the watches `tab` picks from (step, number, title).
    pub choices: Vec<(String, usize, String)>,
}

impl NotePrompt {
    /// A prompt for step `number` (`step`, `title`).
    pub fn new(kind: NoteKind, (step, number, title): (String, usize, String)) -> NotePrompt {
        NotePrompt {
            kind,
            step,
            number,
            title,
            input: TextInput::new(),
            error: None,
            detail: String::new(),
            choices: Vec::new(),
        }
    }

    /// The same prompt, with the watches `tab` cycles through (the first is selected).
    #[must_use]
    pub fn with_choices(mut self, choices: Vec<(String, usize, String)>) -> NotePrompt {
        self.choices = choices;
        self
    }

    /// `tab`: select the next watch to end.
    fn next_choice(&mut self) {
        let at = self.choices.iter().position(|(s, ..)| *s == self.step);
        let next = at.map_or(0, |i| (i + 1) % self.choices.len());
        if let Some((step, number, title)) = self.choices.get(next).cloned() {
            self.step = step;
            self.number = number;
            self.title = title;
        }
    }

    /// The same prompt, saying `detail` (the warnings a watch saw).
    #[must_use]
    pub fn with_detail(mut self, detail: String) -> NotePrompt {
        self.detail = detail;
        self
    }

    pub fn key(&mut self, ev: &KeyEvent) -> ModalOutcome {
        if ev.code == crossterm::event::KeyCode::Tab && self.choices.len() > 1 {
            self.next_choice();
            return ModalOutcome::Keep;
        }
        match self.input.key(ev) {
            Edit::Enter => {
                let text = self.input.text().trim().to_owned();
                ModalOutcome::Send(Box::new(match self.kind {
                    NoteKind::Skip => Msg::Skip { reason: text },
                    NoteKind::MarkDone => Msg::MarkDone { note: text },
                    NoteKind::EndWatch => Msg::EndWatchOf {
                        step: self.step.clone(),
                        note: text,
                    },
                    NoteKind::AckWarnings => Msg::AckWarnings {
                        note: text,
                        source: "operator".into(),
                    },
                }))
            }
            Edit::Esc => ModalOutcome::Close(Some(
                match self.kind {
                    NoteKind::Skip => "skip cancelled",
                    NoteKind::MarkDone => "mark done cancelled",
                    NoteKind::EndWatch => "ending the watch cancelled",
                    NoteKind::AckWarnings => "the watch still waits: ⏎ to acknowledge its warnings",
                }
                .into(),
            )),
            Edit::Changed => {
                self.error = None;
                ModalOutcome::Keep
            }
            Edit::Ignored => ModalOutcome::Keep,
        }
    }

    pub fn body(&self, theme: &Theme) -> Body<'_> {
        let (question, enter, title) = match self.kind {
            NoteKind::Skip => (
                Row::Text(Line::styled("Why is this step skipped? (journaled)", theme.text)),
                "skip it",
                " Skip · ",
            ),
            NoteKind::MarkDone => (
                Row::Wrap(
                    "flightdeck stopped while this step ran, so its outcome is unknown. \
                     Say how you checked that it completed (journaled):"
                        .into(),
                    theme.text,
                ),
                "mark it done",
                " Mark done · ",
            ),
            NoteKind::EndWatch => (
                Row::Wrap(
                    "The watch ends now and counts as passed. Say why it can end early (journaled):"
                        .into(),
                    theme.text,
                ),
                "end the watch",
                " End the watch · ",
            ),
            NoteKind::AckWarnings => (
                Row::Wrap(
                    format!(
                        "The watch saw warnings ({}). It passes once you acknowledge them: say what you checked (journaled):",
                        self.detail
                    ),
                    theme.text,
                ),
                "acknowledge",
                " ⚠ Warnings · ",
            ),
        };
        let mut rows = vec![question, Row::Input(&self.input, true)];
        rows.extend(error_row(self.error.as_ref(), theme));
        rows.push(Row::Blank);
        if self.choices.len() > 1 {
            rows.push(Row::Text(hint(
                &[("⏎", enter), ("tab", "next watch"), ("esc", "cancel")],
                theme,
            )));
        } else {
            rows.push(Row::Text(hint(&[("⏎", enter), ("esc", "cancel")], theme)));
        }
        Body {
            title: Line::from(vec![
                Span::styled(title, theme.title),
                Span::styled(format!("{} {} ", self.number, self.title), theme.accent),
            ]),
            border: theme.border_focused,
            rows,
        }
    }
}
