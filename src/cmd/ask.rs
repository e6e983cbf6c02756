//! One-key questions asked on the terminal before the cockpit starts: raw mode for exactly one
//! key press, the terminal restored on every path; a line, as before, when stdin is not a
//! terminal. An Enter pressed right after the answer, out of habit, is dropped.

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

use crossterm::event::{self, Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use crossterm::terminal;

/// Leaves raw mode when dropped: on every return path, a panic's unwinding included.
struct RawMode;

impl Drop for RawMode {
    fn drop(&mut self) {
        let _ = terminal::disable_raw_mode();
    }
}

/// Ask `question` (which names every key) and wait for one key, no Enter. Returns the key when
/// it is one of `keys`; any other key (Enter, Esc, Ctrl-C included) is `None`: the caller's
/// safe default. Without a terminal on stdin it reads a line on the controlling terminal, as
/// before, and the line must be one of `keys`.
pub fn one_key(question: &str, keys: &[char]) -> Option<char> {
    if !std::io::stdin().is_terminal() {
        let line = crate::plain::ask_tty(&format!("{question} (then Enter): "))?;
        let mut chars = line.chars();
        return match (chars.next(), chars.next()) {
            (Some(c), None) if keys.contains(&c) => Some(c),
            _ => None,
        };
    }
    let mut tty = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/tty")
        .ok()?;
    write!(tty, "{question}: ").ok()?;
    tty.flush().ok()?;
    let answer = {
        terminal::enable_raw_mode().ok()?;
        let _raw = RawMode;
        let key = read_key();
        let answer = key.as_ref().and_then(|k| accepted(k, keys));
        if answer.is_some() {
            swallow_habitual_enter();
        }
        let _ = write!(tty, "{}", key.as_ref().map_or("?".into(), label));
        answer
    };
    let _ = writeln!(tty);
    answer
}

/// The character of `k` when it is one of `keys` (no Ctrl or Alt).
fn accepted(k: &KeyEvent, keys: &[char]) -> Option<char> {
    match k.code {
        KeyCode::Char(c)
            if !k
                .modifiers
                .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
                && keys.contains(&c) =>
        {
            Some(c)
        }
        _ => None,
    }
}

/// How long after an answer a key press is taken for the Enter of a line-prompt habit.
const HABIT: Duration = Duration::from_millis(400);

/// `y` then Enter is a habit from line prompts: that Enter must not reach what comes next (in
/// the cockpit ⏎ runs the next step; the abandon note would be empty). One key pressed within
/// [`HABIT`] of the answer is dropped.
fn swallow_habitual_enter() {
    let until = Instant::now() + HABIT;
    while let Some(left) = until.checked_duration_since(Instant::now()) {
        match event::poll(left) {
            Ok(true) => match event::read() {
                Ok(Event::Key(k)) if k.kind == KeyEventKind::Press => return,
                Ok(_) => {}
                Err(_) => return,
            },
            _ => return,
        }
    }
}

/// The next key press (resizes, focus changes and key releases are not answers).
fn read_key() -> Option<KeyEvent> {
    loop {
        match event::read() {
            Ok(Event::Key(k)) if k.kind == KeyEventKind::Press => return Some(k),
            Ok(_) => {}
            Err(_) => return None,
        }
    }
}

/// How a pressed key is echoed after the question: `y`, `⏎`, `Esc`, `^C`.
fn label(k: &KeyEvent) -> String {
    match k.code {
        KeyCode::Char(c) if k.modifiers.contains(KeyModifiers::CONTROL) => {
            format!("^{}", c.to_ascii_uppercase())
        }
        KeyCode::Char(c) => c.to_string(),
        KeyCode::Enter => "⏎".into(),
        KeyCode::Esc => "Esc".into(),
        other => format!("{other}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_echo_as_an_operator_reads_them() {
        let k = |code, m| KeyEvent::new(code, m);
        assert_eq!(label(&k(KeyCode::Char('y'), KeyModifiers::NONE)), "y");
        assert_eq!(label(&k(KeyCode::Char('c'), KeyModifiers::CONTROL)), "^C");
        assert_eq!(label(&k(KeyCode::Enter, KeyModifiers::NONE)), "⏎");
    }
}
