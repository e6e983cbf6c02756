//! The rollback confirmation. Cancel is the default: `Enter` and `Esc` cancel. In an
//! unprotected environment `y` confirms; in a protected one only the environment's name,
//! typed exactly, then `Enter`, confirms — `y`, a prefix or a wrong name never do.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::text::{Line, Span};

use crate::release::Msg;
use crate::ui::theme::Theme;

use super::input::{Edit, TextInput};
use super::{Body, ModalOutcome, Row, hint};

/// How many rollback steps are listed before "… and N more".
const LISTED: usize = 6;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RollbackConfirm {
    pub name: String,
    pub environment: String,
    pub protected: bool,
    pub target: Option<String>,
    /// Where the target comes from: `confirmed`, `armed`, `previous`.
    pub target_source: &'static str,
    /// How old the target is (`5 days ago`), when known.
    pub target_age: Option<String>,
    /// Why it is armed, when it is.
    pub armed: Option<String>,
    /// The rollback steps' titles, in order.
    pub steps: Vec<String>,
    /// The running step that the rollback will cancel.
    pub interrupts: Option<String>,
    /// The running step finishes before the rollback starts (a watch or a prompt is cut short).
    pub waits: bool,
    /// The operator who confirms.
    pub by: String,
    pub input: TextInput,
}

impl RollbackConfirm {
    pub fn key(&mut self, ev: &KeyEvent) -> ModalOutcome {
        if !self.protected {
            return match ev.code {
                KeyCode::Char('y' | 'Y') => self.confirm(),
                KeyCode::Esc | KeyCode::Enter | KeyCode::Char('n' | 'N') => {
                    ModalOutcome::Close(Some("rollback cancelled".into()))
                }
                _ => ModalOutcome::Keep,
            };
        }
        match self.input.key(ev) {
            Edit::Enter if self.input.text() == self.environment => self.confirm(),
            Edit::Enter if !self.input.text().is_empty() => ModalOutcome::Close(Some(format!(
                "rollback NOT confirmed: `{}` is not `{}`",
                self.input.text(),
                self.environment
            ))),
            Edit::Enter | Edit::Esc => ModalOutcome::Close(Some("rollback cancelled".into())),
            Edit::Changed | Edit::Ignored => ModalOutcome::Keep,
        }
    }

    fn confirm(&self) -> ModalOutcome {
        ModalOutcome::Send(Box::new(Msg::Rollback {
            by: self.by.clone(),
            target: self.target.clone(),
        }))
    }

    fn env_span(&self, theme: &Theme) -> Span<'static> {
        if self.protected {
            Span::styled(self.environment.to_uppercase(), theme.danger)
        } else {
            Span::styled(self.environment.clone(), theme.accent)
        }
    }

    pub fn body(&self, theme: &Theme) -> Body<'_> {
        let mut rows = Vec::new();
        if let Some(why) = &self.armed {
            rows.push(Row::Wrap(format!("⚠ armed: {why}"), theme.warn));
        }
        let target = match &self.target {
            Some(t) => vec![
                Span::styled(t.clone(), theme.accent),
                Span::styled(
                    match &self.target_age {
                        Some(age) => format!(" ({} · {age})", self.target_source),
                        None => format!(" ({})", self.target_source),
                    },
                    theme.muted,
                ),
            ],
            None => vec![Span::styled("(no target)", theme.warn)],
        };
        let mut line = vec![Span::styled("Target:  ", theme.text)];
        line.extend(target);
        rows.push(Row::Text(Line::from(line)));
        if let Some(step) = &self.interrupts {
            let text = if self.waits {
                format!(
                    "The rollback starts when the running step `{step}` finishes (x cancels it)."
                )
            } else {
                format!("The running step `{step}` will be cancelled first.")
            };
            rows.push(Row::Wrap(text, theme.warn));
        }
        if self.steps.is_empty() {
            rows.push(Row::Text(Line::styled("No rollback steps.", theme.warn)));
        } else {
            rows.push(Row::Text(Line::styled("Rollback steps:", theme.text)));
            for (i, s) in self.steps.iter().take(LISTED).enumerate() {
                rows.push(Row::Text(Line::from(vec![
                    Span::styled(format!("  {} ", i + 1), theme.muted),
                    Span::styled(s.clone(), theme.text),
                ])));
            }
            if self.steps.len() > LISTED {
                rows.push(Row::Text(Line::styled(
                    format!("  … and {} more", self.steps.len() - LISTED),
                    theme.muted,
                )));
            }
        }
        rows.push(Row::Blank);
        if self.protected {
            rows.push(Row::Text(Line::from(vec![
                Span::styled("Type ", theme.text),
                Span::styled(self.environment.clone(), theme.danger),
                Span::styled(" to confirm, then ⏎:", theme.text),
            ])));
            rows.push(Row::Input(&self.input, true));
        }
        rows.push(Row::Text(Line::from(vec![
            Span::styled(" Cancel ", theme.selected),
            Span::styled("  (default)", theme.muted),
        ])));
        let pairs: &[(&str, &str)] = if self.protected {
            &[("⏎/esc", "cancel"), ("name + ⏎", "roll back")]
        } else {
            &[("⏎/esc/n", "cancel"), ("y", "roll back")]
        };
        rows.push(Row::Text(hint(pairs, theme)));
        Body {
            title: Line::from(vec![
                Span::styled(" ↺ Roll back ", theme.danger),
                Span::styled(format!("{} in ", self.name), theme.title),
                self.env_span(theme),
                Span::styled("? ", theme.title),
            ]),
            border: theme.danger,
            rows,
        }
    }
}
