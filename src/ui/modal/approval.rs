//! The approval prompt: opened when an approval step runs; the approver's name, then the
//! reason; `Enter` on the reason journals the approval (the core checks the allow-list).

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::text::{Line, Span};

use crate::release::{Msg, Phase};
use crate::ui::theme::Theme;

use super::input::{Edit, TextInput};
use super::{Body, ModalOutcome, Row, error_row, hint};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Approval {
    pub phase: Phase,
    pub step: String,
    pub number: usize,
    pub title: String,
    pub approvers: Option<Vec<String>>,
    pub reason_required: bool,
    pub name: TextInput,
    pub reason: TextInput,
    /// `false`: typing the name; `true`: typing the reason.
    pub on_reason: bool,
    pub error: Option<String>,
}

impl Approval {
    pub fn key(&mut self, ev: &KeyEvent) -> ModalOutcome {
        if matches!(
            ev.code,
            KeyCode::Tab | KeyCode::BackTab | KeyCode::Up | KeyCode::Down
        ) {
            self.on_reason = !self.on_reason;
            return ModalOutcome::Keep;
        }
        let field = if self.on_reason {
            &mut self.reason
        } else {
            &mut self.name
        };
        match field.key(ev) {
            Edit::Enter if !self.on_reason => {
                if self.name.text().trim().is_empty() {
                    self.error = Some("type the approver's name".into());
                } else {
                    self.on_reason = true;
                    self.error = None;
                }
                ModalOutcome::Keep
            }
            Edit::Enter => ModalOutcome::Send(Box::new(Msg::Approve {
                name: self.name.text().trim().to_owned(),
                reason: self.reason.text().trim().to_owned(),
                source: "operator".into(),
            })),
            Edit::Esc => ModalOutcome::Close(Some(format!(
                "step `{}` waits for approval: ⏎ to give it · x to cancel the step",
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
        if let Some(a) = &self.approvers {
            rows.push(Row::Wrap(
                format!("Approvers: {}", a.join(", ")),
                theme.muted,
            ));
        }
        rows.push(Row::Text(Line::styled("Approver's name:", theme.text)));
        rows.push(Row::Input(&self.name, !self.on_reason));
        let need = if self.reason_required {
            Span::styled("required", theme.warn)
        } else {
            Span::styled("optional", theme.muted)
        };
        rows.push(Row::Text(Line::from(vec![
            Span::styled("Reason (", theme.text),
            need,
            Span::styled("):", theme.text),
        ])));
        rows.push(Row::Input(&self.reason, self.on_reason));
        rows.extend(error_row(self.error.as_ref(), theme));
        rows.push(Row::Blank);
        let enter = if self.on_reason {
            "approve"
        } else {
            "next field"
        };
        rows.push(Row::Text(hint(
            &[("⏎", enter), ("tab", "switch field"), ("esc", "later")],
            theme,
        )));
        Body {
            title: Line::from(vec![
                Span::styled(" Approval · ", theme.title),
                Span::styled(format!("{} {} ", self.number, self.title), theme.accent),
            ]),
            border: theme.border_focused,
            rows,
        }
    }
}
