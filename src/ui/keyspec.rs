//! One key as written in a keymap (`enter`, `R`, `ctrl-s`, `shift-tab`): parsing, matching
//! a crossterm `KeyEvent`, and the labels shown in the footer and the help overlay.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// A key and the modifiers that matter for it (Ctrl and Alt; Shift is part of a character).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeySpec {
    pub code: KeyCode,
    pub mods: KeyModifiers,
}

impl KeySpec {
    pub const fn plain(code: KeyCode) -> Self {
        Self {
            code,
            mods: KeyModifiers::NONE,
        }
    }

    pub const fn ch(c: char) -> Self {
        Self::plain(KeyCode::Char(c))
    }

    pub const fn ctrl(c: char) -> Self {
        Self {
            code: KeyCode::Char(c),
            mods: KeyModifiers::CONTROL,
        }
    }

    /// Parse `enter`, `esc`, `tab`, `shift-tab`, `up`, `pgdn`, `f5`, `space`, `ctrl-s`,
    /// `alt-x`, or a single character such as `R`, `?` or `[`.
    pub fn parse(s: &str) -> Option<Self> {
        let mut mods = KeyModifiers::NONE;
        let mut rest = s;
        loop {
            let lower = rest.to_ascii_lowercase();
            let (m, n) = if lower.starts_with("ctrl-") {
                (KeyModifiers::CONTROL, 5)
            } else if lower.starts_with("alt-") {
                (KeyModifiers::ALT, 4)
            } else if lower.starts_with("shift-") {
                (KeyModifiers::SHIFT, 6)
            } else {
                break;
            };
            if rest.len() == n {
                break;
            }
            mods |= m;
            rest = &rest[n..];
        }
        let mut chars = rest.chars();
        let code = match (chars.next(), chars.next()) {
            (Some(c), None) => KeyCode::Char(c),
            _ => named(&rest.to_ascii_lowercase())?,
        };
        Some(Self::normalise(code, mods))
    }

    /// Shift-letter is the capital letter; Shift-Tab is `BackTab`; Shift is otherwise ignored.
    fn normalise(code: KeyCode, mods: KeyModifiers) -> Self {
        let shift = mods.contains(KeyModifiers::SHIFT);
        let mods = mods & (KeyModifiers::CONTROL | KeyModifiers::ALT);
        let code = match code {
            KeyCode::Char(c) if shift => KeyCode::Char(c.to_ascii_uppercase()),
            KeyCode::Char(c) if mods.contains(KeyModifiers::CONTROL) => {
                KeyCode::Char(c.to_ascii_lowercase())
            }
            KeyCode::Tab if shift => KeyCode::BackTab,
            other => other,
        };
        Self { code, mods }
    }

    /// Whether a key event from the terminal is this key.
    pub fn matches(&self, ev: &KeyEvent) -> bool {
        *self == Self::normalise(ev.code, ev.modifiers)
    }

    /// The label in the help overlay: `Enter`, `Shift-Tab`, `Ctrl-s`, `R`.
    pub fn label(&self) -> String {
        let mut out = String::new();
        if self.mods.contains(KeyModifiers::CONTROL) {
            out.push_str("Ctrl-");
        }
        if self.mods.contains(KeyModifiers::ALT) {
            out.push_str("Alt-");
        }
        let name = match self.code {
            KeyCode::Char(' ') => "Space".to_owned(),
            KeyCode::Char(c) => c.to_string(),
            KeyCode::Enter => "Enter".to_owned(),
            KeyCode::Esc => "Esc".to_owned(),
            KeyCode::Tab => "Tab".to_owned(),
            KeyCode::BackTab => "Shift-Tab".to_owned(),
            KeyCode::Backspace => "Backspace".to_owned(),
            KeyCode::Delete => "Delete".to_owned(),
            KeyCode::Insert => "Insert".to_owned(),
            KeyCode::Up => "↑".to_owned(),
            KeyCode::Down => "↓".to_owned(),
            KeyCode::Left => "←".to_owned(),
            KeyCode::Right => "→".to_owned(),
            KeyCode::Home => "Home".to_owned(),
            KeyCode::End => "End".to_owned(),
            KeyCode::PageUp => "PgUp".to_owned(),
            KeyCode::PageDown => "PgDn".to_owned(),
            KeyCode::F(n) => format!("F{n}"),
            other => format!("{other:?}"),
        };
        out.push_str(&name);
        out
    }

    /// The short label in the footer: `⏎` for Enter, `tab` for Tab, else as [`Self::label`].
    pub fn short(&self) -> String {
        match (self.code, self.mods) {
            (KeyCode::Enter, KeyModifiers::NONE) => "⏎".to_owned(),
            (KeyCode::Tab, KeyModifiers::NONE) => "tab".to_owned(),
            (KeyCode::Esc, KeyModifiers::NONE) => "esc".to_owned(),
            _ => self.label(),
        }
    }
}

fn named(s: &str) -> Option<KeyCode> {
    Some(match s {
        "enter" | "return" => KeyCode::Enter,
        "esc" | "escape" => KeyCode::Esc,
        "tab" => KeyCode::Tab,
        "backtab" => KeyCode::BackTab,
        "backspace" => KeyCode::Backspace,
        "delete" | "del" => KeyCode::Delete,
        "insert" | "ins" => KeyCode::Insert,
        "up" => KeyCode::Up,
        "down" => KeyCode::Down,
        "left" => KeyCode::Left,
        "right" => KeyCode::Right,
        "home" => KeyCode::Home,
        "end" => KeyCode::End,
        "pgup" | "pageup" | "page-up" => KeyCode::PageUp,
        "pgdn" | "pagedown" | "page-down" => KeyCode::PageDown,
        "space" => KeyCode::Char(' '),
        _ => {
            let n: u8 = s.strip_prefix('f')?.parse().ok()?;
            if (1..=24).contains(&n) {
                KeyCode::F(n)
            } else {
                return None;
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_matches() {
        let r = KeySpec::parse("R").expect("R");
        assert!(r.matches(&KeyEvent::new(KeyCode::Char('R'), KeyModifiers::SHIFT)));
        assert!(!r.matches(&KeyEvent::new(KeyCode::Char('r'), KeyModifiers::NONE)));
        assert_eq!(KeySpec::parse("shift-r"), Some(r));
        let bt = KeySpec::parse("shift-tab").expect("bt");
        assert!(bt.matches(&KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT)));
        let cs = KeySpec::parse("ctrl-s").expect("cs");
        assert!(cs.matches(&KeyEvent::new(KeyCode::Char('s'), KeyModifiers::CONTROL)));
        assert!(!cs.matches(&KeyEvent::new(KeyCode::Char('s'), KeyModifiers::NONE)));
        assert_eq!(cs.label(), "Ctrl-s");
        assert!(
            KeySpec::parse("?")
                .expect("?")
                .matches(&KeyEvent::new(KeyCode::Char('?'), KeyModifiers::SHIFT))
        );
        assert_eq!(
            KeySpec::parse("pgdn").map(|k| k.code),
            Some(KeyCode::PageDown)
        );
        assert_eq!(KeySpec::parse("f5").map(|k| k.code), Some(KeyCode::F(5)));
        assert_eq!(
            KeySpec::parse("-").map(|k| k.code),
            Some(KeyCode::Char('-'))
        );
        for bad in ["", "ctrl-", "enterr", "f99", "xy"] {
            assert_eq!(KeySpec::parse(bad), None, "{bad:?}");
        }
    }
}
