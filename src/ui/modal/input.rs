//! A one-line text field for prompts: characters append, Backspace deletes, Ctrl-U clears,
//! Ctrl-W deletes a word; Enter and Esc are left to the prompt.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;

use crate::ui::text;

/// The longest text a prompt takes.
pub const MAX_INPUT: usize = 500;

/// What a key did to the field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edit {
    Enter,
    Esc,
    Changed,
    Ignored,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TextInput {
    text: String,
}

impl TextInput {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn key(&mut self, ev: &KeyEvent) -> Edit {
        let ctrl = ev.modifiers.contains(KeyModifiers::CONTROL);
        let alt = ev.modifiers.contains(KeyModifiers::ALT);
        match ev.code {
            KeyCode::Enter => Edit::Enter,
            KeyCode::Esc => Edit::Esc,
            KeyCode::Backspace => {
                self.text.pop();
                Edit::Changed
            }
            KeyCode::Char('u') if ctrl => {
                self.text.clear();
                Edit::Changed
            }
            KeyCode::Char('w') if ctrl => {
                let t = self.text.trim_end_matches(' ');
                let keep = t.rfind(' ').map_or(0, |i| i + 1);
                self.text.truncate(keep);
                Edit::Changed
            }
            KeyCode::Char(c) if !ctrl && !alt && !c.is_control() => {
                if self.text.chars().count() < MAX_INPUT {
                    self.text.push(c);
                }
                Edit::Changed
            }
            _ => Edit::Ignored,
        }
    }

    /// Draw `{prompt}text▏` in one row; a long text shows its end.
    pub fn render(
        &self,
        buf: &mut Buffer,
        area: Rect,
        prompt: &str,
        style: Style,
        prompt_style: Style,
    ) {
        let pw = u16::try_from(text::width(prompt)).unwrap_or(u16::MAX);
        if area.width < pw.saturating_add(2) || area.height == 0 {
            return;
        }
        let x = area.x + text::put(buf, area.x, area.y, prompt, pw, prompt_style);
        let room = usize::from(area.width - pw - 1);
        let w = text::width(&self.text);
        let shown = if w > room {
            let mut used = 0;
            let mut start = self.text.len();
            for (i, c) in self.text.char_indices().rev() {
                let cw = text::width(c.encode_utf8(&mut [0; 4]));
                if used + cw > room - 1 {
                    break;
                }
                used += cw;
                start = i;
            }
            format!("…{}", &self.text[start..])
        } else {
            self.text.clone()
        };
        let used = text::put(buf, x, area.y, &shown, area.width - pw, style);
        text::put(buf, x + used, area.y, "▏", 1, prompt_style);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn k(c: KeyCode) -> KeyEvent {
        KeyEvent::new(c, KeyModifiers::NONE)
    }

    #[test]
    fn edits() {
        let mut t = TextInput::new();
        for c in "hello world".chars() {
            assert_eq!(t.key(&k(KeyCode::Char(c))), Edit::Changed);
        }
        t.key(&KeyEvent::new(KeyCode::Char('w'), KeyModifiers::CONTROL));
        assert_eq!(t.text(), "hello ");
        t.key(&k(KeyCode::Backspace));
        assert_eq!(t.text(), "hello");
        assert_eq!(t.key(&k(KeyCode::Enter)), Edit::Enter);
        assert_eq!(t.key(&k(KeyCode::Up)), Edit::Ignored);
        t.key(&KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL));
        assert_eq!(t.text(), "");
        for _ in 0..MAX_INPUT + 10 {
            t.key(&k(KeyCode::Char('x')));
        }
        assert_eq!(t.text().len(), MAX_INPUT);
    }
}
