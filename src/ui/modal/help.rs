//! The help overlay (`?`): every binding from the keymap, by section, plus the fixed prompt
//! keys. Arrows and PgUp/PgDn scroll it; `Esc`, `q`, `?` or `Enter` close it.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use crate::ui::app::App;
use crate::ui::keymap::Keymap;
use crate::ui::text;
use crate::ui::theme::Theme;

use super::{ModalOutcome, centred, frame};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Help {
    pub scroll: u16,
}

impl Help {
    pub fn key(&mut self, ev: &KeyEvent) -> ModalOutcome {
        match ev.code {
            KeyCode::Esc | KeyCode::Enter | KeyCode::Char('q' | '?') => ModalOutcome::Close(None),
            KeyCode::Up => {
                self.scroll = self.scroll.saturating_sub(1);
                ModalOutcome::Keep
            }
            KeyCode::Down => {
                self.scroll = self.scroll.saturating_add(1);
                ModalOutcome::Keep
            }
            KeyCode::PageUp => {
                self.scroll = self.scroll.saturating_sub(10);
                ModalOutcome::Keep
            }
            KeyCode::PageDown => {
                self.scroll = self.scroll.saturating_add(10);
                ModalOutcome::Keep
            }
            KeyCode::Home => {
                self.scroll = 0;
                ModalOutcome::Keep
            }
            _ => ModalOutcome::Keep,
        }
    }

    /// The overlay's lines: one per binding, grouped.
    pub fn lines<'a>(keymap: &Keymap, theme: &Theme) -> Vec<Line<'a>> {
        let key_w = keymap
            .bindings()
            .iter()
            .map(|(_, ks)| text::width(&keys_label(ks)))
            .max()
            .unwrap_or(0)
            .max(9);
        let mut out = Vec::new();
        let mut group = "";
        for (action, keys) in keymap.bindings() {
            if action.group() != group {
                if !group.is_empty() {
                    out.push(Line::default());
                }
                group = action.group();
                out.push(Line::styled(group, theme.title));
            }
            let label = keys_label(keys);
            let pad = key_w.saturating_sub(text::width(&label));
            out.push(Line::from(vec![
                Span::styled(format!("  {label}{} ", " ".repeat(pad)), theme.key),
                Span::styled(action.help(), theme.text),
            ]));
        }
        out.push(Line::default());
        out.push(Line::styled("Prompts", theme.title));
        for (k, what) in [
            ("⏎", "confirm the typed text; cancels a rollback prompt"),
            ("esc", "cancel"),
            ("y / n", "answer yes / no"),
            ("Ctrl-u", "clear the typed text"),
        ] {
            out.push(Line::from(vec![
                Span::styled(format!("  {k:<key_w$} "), theme.key),
                Span::styled(what, theme.text),
            ]));
        }
        out
    }

    pub fn render(&self, app: &App, theme: &Theme, area: Rect, buf: &mut Buffer) {
        let lines = Self::lines(&app.keymap, theme);
        let w = area.width.saturating_sub(4).clamp(area.width.min(20), 76);
        let h = u16::try_from(lines.len() + 2)
            .unwrap_or(u16::MAX)
            .min(area.height.saturating_sub(2).max(area.height.min(3)));
        let rect = centred(area, w, h);
        let inner = frame(
            buf,
            rect,
            &Line::from(vec![
                Span::styled(" Help ", theme.title),
                Span::styled("· esc close · ↑↓ scroll ", theme.muted),
            ]),
            theme.border_focused,
            theme,
        );
        let rows = usize::from(inner.height);
        let max_scroll = lines.len().saturating_sub(rows);
        let scroll = usize::from(self.scroll).min(max_scroll);
        for (line, y) in lines.iter().skip(scroll).zip(inner.top()..inner.bottom()) {
            text::put_spans(
                buf,
                inner.x + 1,
                y,
                &line.spans,
                inner.width.saturating_sub(2),
            );
        }
        if max_scroll > 0 && inner.height > 0 {
            let more = if scroll < max_scroll {
                "↓ more"
            } else {
                "↑ top"
            };
            let x = inner.right().saturating_sub(7);
            text::put(buf, x, inner.bottom() - 1, more, 6, theme.muted);
        }
    }
}

fn keys_label(keys: &[crate::ui::keyspec::KeySpec]) -> String {
    if keys.is_empty() {
        return "(unbound)".into();
    }
    keys.iter()
        .map(crate::ui::keyspec::KeySpec::label)
        .collect::<Vec<_>>()
        .join(" / ")
}
