//! Key bindings: the defaults and the TOML override file `~/.config/flightdeck/keymap.toml`
//! (`next = "enter"`, `rollback = ["R", "ctrl-r"]`). Prompts keep their fixed keys (Enter,
//! Esc, y, n); the help overlay lists every binding from here.

use std::path::Path;

use crossterm::event::{KeyCode, KeyEvent};

use super::UiError;
use super::keyspec::KeySpec;

macro_rules! actions {
    ($($variant:ident $name:literal $group:literal $help:literal [$($key:expr),*],)*) => {
        /// What a key does outside prompts.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Action { $($variant,)* }

        impl Action {
            pub const ALL: &'static [Action] = &[$(Action::$variant,)*];
            /// The name used in `keymap.toml`.
            pub fn name(self) -> &'static str {
                match self { $(Action::$variant => $name,)* }
            }
            /// The help overlay's section.
            pub fn group(self) -> &'static str {
                match self { $(Action::$variant => $group,)* }
            }
            /// What it does, for the help overlay.
            pub fn help(self) -> &'static str {
                match self { $(Action::$variant => $help,)* }
            }
            fn defaults(self) -> Vec<KeySpec> {
                match self { $(Action::$variant => vec![$($key),*],)* }
            }
        }
    };
}

use KeyCode as K;
const fn p(code: KeyCode) -> KeySpec {
    KeySpec::plain(code)
}

actions! {
    Next "next" "Release" "run the next step; answer a waiting manual or approval step" [p(K::Enter)],
    Retry "retry" "Release" "retry a failed or interrupted step" [KeySpec::ch('r')],
    Skip "skip" "Release" "skip the current step (asks for a reason)" [KeySpec::ch('s')],
    MarkDone "mark_done" "Release" "mark an interrupted step done (asks for a note)" [KeySpec::ch('m')],
    Cancel "cancel" "Release" "cancel the running step (asks y)" [KeySpec::ch('x')],
    Rollback "rollback" "Release" "roll back (asks to confirm; Cancel is the default)" [KeySpec::ch('R')],
    ExtendWatch "extend_watch" "Release" "extend the running watch by 5 minutes" [KeySpec::ch('+')],
    EndWatch "end_watch" "Release" "end the running watch early (asks for a note)" [KeySpec::ch('e')],
    FocusNext "focus_next" "Panes" "focus the next pane" [p(K::Tab)],
    FocusPrev "focus_prev" "Panes" "focus the previous pane" [p(K::BackTab)],
    Up "up" "Panes" "scroll up one line" [p(K::Up)],
    Down "down" "Panes" "scroll down one line" [p(K::Down)],
    PageUp "page_up" "Panes" "scroll up a page" [p(K::PageUp)],
    PageDown "page_down" "Panes" "scroll down a page" [p(K::PageDown)],
    Home "home" "Panes" "go to the top" [p(K::Home)],
    End "end" "Panes" "go to the bottom (logs: follow again)" [p(K::End)],
    Chart "chart" "Panes" "chart a trigger over its watch (gates pane: ↑↓ picks one)" [KeySpec::ch('g')],
    Search "search" "Logs" "search the logs" [KeySpec::ch('/')],
    NextMatch "next_match" "Logs" "next (newer) match" [KeySpec::ch('n')],
    PrevMatch "prev_match" "Logs" "previous (older) match" [KeySpec::ch('N')],
    Filter "filter" "Logs" "show only the log lines matching a pattern (like less's &)" [KeySpec::ch('&')],
    Timestamps "timestamps" "Logs" "show / hide the time of each log line" [KeySpec::ch('t')],
    Follow "follow" "Logs" "follow / pause the logs" [KeySpec::ch('f')],
    PrevSource "prev_source" "Logs" "previous log source" [KeySpec::ch('[')],
    NextSource "next_source" "Logs" "next log source" [KeySpec::ch(']')],
    SaveLog "save_log" "Logs" "save the shown log buffer to a file" [KeySpec::ctrl('s')],
    PrevService "prev_service" "Services" "select the previous service (its CPU and memory show)" [KeySpec::ch('<')],
    NextService "next_service" "Services" "select the next service (its CPU and memory show)" [KeySpec::ch('>')],
    Expand "expand" "Services" "services pane: expand the selected service" [p(K::Right)],
    Fold "fold" "Services" "services pane: fold it back into one row" [p(K::Left)],
    Help "help" "General" "show or hide this help" [KeySpec::ch('?')],
    Quit "quit" "General" "quit (asks y while the release is unfinished)" [KeySpec::ch('q'), KeySpec::ctrl('c')],
}

impl Action {
    pub fn from_name(name: &str) -> Option<Action> {
        let n = name.replace('-', "_");
        Action::ALL.iter().copied().find(|a| a.name() == n)
    }
}

/// Every action's keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keymap {
    bindings: Vec<(Action, Vec<KeySpec>)>,
}

impl Default for Keymap {
    fn default() -> Self {
        Self {
            bindings: Action::ALL.iter().map(|a| (*a, a.defaults())).collect(),
        }
    }
}

impl Keymap {
    /// The defaults with `~/.config/flightdeck/keymap.toml` applied, when it exists.
    pub fn load() -> Result<Keymap, UiError> {
        match directories::ProjectDirs::from("", "", "flightdeck") {
            Some(d) => Self::load_from(&d.config_dir().join("keymap.toml")),
            None => Ok(Keymap::default()),
        }
    }

    /// The defaults with the file at `path` applied, when it exists.
    pub fn load_from(path: &Path) -> Result<Keymap, UiError> {
        if !path.is_file() {
            return Ok(Keymap::default());
        }
        let text = std::fs::read_to_string(path)
            .map_err(|e| UiError(format!("{}: {e}", path.display())))?;
        Self::parse(&text, &path.display().to_string())
    }

    /// Apply an override file's text to the defaults; `origin` names the file in errors.
    pub fn parse(text: &str, origin: &str) -> Result<Keymap, UiError> {
        let table: toml::Table =
            toml::from_str(text).map_err(|e| UiError(format!("{origin}: {e}")))?;
        let mut map = Keymap::default();
        for (key, value) in &table {
            let at = format!("{origin}:{}", line_of(text, key));
            let action = Action::from_name(key)
                .ok_or_else(|| UiError(format!("{at}: unknown action `{key}`")))?;
            let specs: Vec<&str> = match value {
                toml::Value::String(s) => vec![s.as_str()],
                toml::Value::Array(a) => a.iter().filter_map(toml::Value::as_str).collect(),
                _ => Vec::new(),
            };
            if specs.is_empty() || matches!(value, toml::Value::Array(a) if a.len() != specs.len())
            {
                return Err(UiError(format!(
                    "{at}: `{key}`: expected a key like \"enter\" or a list of keys"
                )));
            }
            let keys = specs
                .iter()
                .map(|s| {
                    KeySpec::parse(s)
                        .ok_or_else(|| UiError(format!("{at}: `{key}`: cannot parse key `{s}`")))
                })
                .collect::<Result<Vec<_>, _>>()?;
            if let Some(slot) = map.bindings.iter_mut().find(|(a, _)| *a == action) {
                slot.1 = keys;
            }
        }
        map.check_conflicts(origin)?;
        Ok(map)
    }

    fn check_conflicts(&self, origin: &str) -> Result<(), UiError> {
        for (i, (a, keys)) in self.bindings.iter().enumerate() {
            for k in keys {
                if let Some((b, _)) = self.bindings[i + 1..].iter().find(|(_, ks)| ks.contains(k)) {
                    return Err(UiError(format!(
                        "{origin}: key `{}` is bound to both `{}` and `{}`",
                        k.label(),
                        a.name(),
                        b.name()
                    )));
                }
            }
        }
        Ok(())
    }

    /// The action a key event triggers, if any.
    pub fn action(&self, ev: &KeyEvent) -> Option<Action> {
        self.bindings
            .iter()
            .find(|(_, keys)| keys.iter().any(|k| k.matches(ev)))
            .map(|(a, _)| *a)
    }

    /// The keys bound to `action`, first the one shown in the footer.
    pub fn keys(&self, action: Action) -> &[KeySpec] {
        self.bindings
            .iter()
            .find(|(a, _)| *a == action)
            .map_or(&[], |(_, k)| k.as_slice())
    }

    /// The footer label of `action`'s first key (empty when unbound).
    pub fn short(&self, action: Action) -> String {
        self.keys(action)
            .first()
            .map(KeySpec::short)
            .unwrap_or_default()
    }

    /// Every binding, in help order.
    pub fn bindings(&self) -> &[(Action, Vec<KeySpec>)] {
        &self.bindings
    }
}

/// The 1-based line on which `key` is assigned in `text` (1 when not found).
fn line_of(text: &str, key: &str) -> usize {
    text.lines()
        .position(|l| {
            let l = l.trim_start().trim_start_matches(['"', '\'']);
            l.strip_prefix(key).is_some_and(|r| {
                r.trim_start_matches(['"', '\''])
                    .trim_start()
                    .starts_with('=')
            })
        })
        .map_or(1, |i| i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossterm::event::KeyModifiers;

    fn ev(c: KeyCode) -> KeyEvent {
        KeyEvent::new(c, KeyModifiers::NONE)
    }

    #[test]
    fn defaults_have_no_conflicts_and_map_keys() {
        let m = Keymap::default();
        m.check_conflicts("defaults").expect("no conflicts");
        assert_eq!(m.action(&ev(K::Enter)), Some(Action::Next));
        assert_eq!(
            m.action(&KeyEvent::new(K::Char('R'), KeyModifiers::SHIFT)),
            Some(Action::Rollback)
        );
        assert_eq!(m.action(&ev(K::Char('r'))), Some(Action::Retry));
        assert_eq!(m.action(&ev(K::Char('z'))), None);
    }

    #[test]
    fn overrides_replace_an_actions_keys() {
        let m = Keymap::parse(
            "next = \"space\"\nrollback = [\"ctrl-r\", \"F9\"]\n",
            "km.toml",
        )
        .expect("ok");
        assert_eq!(m.action(&ev(K::Char(' '))), Some(Action::Next));
        assert_eq!(m.action(&ev(K::Enter)), None);
        assert_eq!(m.action(&ev(K::F(9))), Some(Action::Rollback));
        assert_eq!(
            m.action(&KeyEvent::new(K::Char('R'), KeyModifiers::SHIFT)),
            None
        );
    }

    #[test]
    fn errors_name_the_file_line_and_key() {
        let e = Keymap::parse("# x\nnext = \"enter\"\nrolback = \"R\"\n", "/h/keymap.toml")
            .expect_err("unknown action");
        assert_eq!(e.0, "/h/keymap.toml:3: unknown action `rolback`");
        let e = Keymap::parse("next = \"ctrl-\"\n", "k.toml").expect_err("bad key");
        assert_eq!(e.0, "k.toml:1: `next`: cannot parse key `ctrl-`");
        let e = Keymap::parse("next = 3\n", "k.toml").expect_err("bad value");
        assert!(e.0.starts_with("k.toml:1: `next`"), "{e}");
        let e = Keymap::parse("next = \"r\"\n", "k.toml").expect_err("conflict");
        assert!(e.0.contains("`next`") && e.0.contains("`retry`"), "{e}");
        assert!(
            Keymap::parse("next = ", "k.toml")
                .expect_err("toml")
                .0
                .starts_with("k.toml")
        );
    }
}
