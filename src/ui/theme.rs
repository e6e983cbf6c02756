//! Themes: a struct of `Style`s parsed from TOML (`themes/*.toml`, embedded, or a user theme in
//! `~/.config/flightdeck/themes/NAME.toml`). `NO_COLOR` selects the mono theme.
//!
//! Each entry is `name = "FG [on BG] [bold] [dim] [italic] [underlined] [reversed]"`, where a
//! colour is a name (`red`, `lightcyan`, `darkgray`, …), an index (`208`) or `#rrggbb`, and
//! `default` means the terminal's own colour. Entries a user theme leaves out come from `dark`.

use std::path::{Path, PathBuf};

use ratatui::style::{Color, Modifier, Style};

use super::UiError;

const DARK: &str = include_str!("../../themes/dark.toml");
const LIGHT: &str = include_str!("../../themes/light.toml");
const MONO: &str = include_str!("../../themes/mono.toml");

/// The built-in themes, by name.
pub const BUILT_IN: [&str; 3] = ["dark", "light", "mono"];

macro_rules! theme_styles {
    ($($field:ident: $doc:literal,)*) => {
        /// Every style the screen uses. State is always shown by a mark as well as a style.
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct Theme {
            pub name: String,
            $(#[doc = $doc] pub $field: Style,)*
        }

        impl Theme {
            fn slot(&mut self, key: &str) -> Option<&mut Style> {
                match key {
                    $(stringify!($field) => Some(&mut self.$field),)*
                    _ => None,
                }
            }
            fn blank(name: &str) -> Self {
                Self { name: name.to_owned(), $($field: Style::new(),)* }
            }
            /// Every style, by name (for tests and `--theme` previews).
            pub fn styles(&self) -> Vec<(&'static str, Style)> {
                vec![$((stringify!($field), self.$field),)*]
            }
        }
    };
}

theme_styles! {
    text: "Plain text.",
    ok: "A passed step or gate (✔).",
    fail: "A failed step or gate (✖).",
    running: "The running step (▶) and its timer.",
    pending: "A step or gate not run yet (·).",
    warn: "Interrupted steps (?), gate errors, warnings.",
    danger: "A protected environment's name and the rollback key when armed.",
    muted: "Secondary text: durations, ages, hints.",
    accent: "The brand, the next step, links.",
    selected: "The selected button or row.",
    border: "Pane borders.",
    border_focused: "The focused pane's border.",
    title: "Pane titles.",
    banner: "The armed-rollback banner.",
    key: "Key names in the footer and help.",
    search_match: "A search match in the logs.",
    search_current: "The current search match.",
    input: "Text being typed in a prompt.",
    source_1: "A container's prefix in a merged log source (`SERVICE/*`); names hash onto `source_1` … `source_6`.",
    source_2: "A merged log source's prefix (2 of 6).",
    source_3: "A merged log source's prefix (3 of 6).",
    source_4: "A merged log source's prefix (4 of 6).",
    source_5: "A merged log source's prefix (5 of 6).",
    source_6: "A merged log source's prefix (6 of 6).",
}

impl Theme {
    /// The palette a merged log source's prefixes are coloured from (by a hash of the name).
    pub fn palette(&self) -> [Style; 6] {
        [
            self.source_1,
            self.source_2,
            self.source_3,
            self.source_4,
            self.source_5,
            self.source_6,
        ]
    }
}

impl Theme {
    /// The theme named `name` (default `dark`): a user theme first, then a built-in one.
    /// `NO_COLOR` (set and non-empty) always gives `mono`.
    pub fn load(name: Option<&str>) -> Result<Theme, UiError> {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let dir = directories::ProjectDirs::from("", "", "flightdeck")
            .map(|d| d.config_dir().join("themes"));
        Self::load_from(name, dir.as_deref(), no_color)
    }

    /// [`Theme::load`] with the user theme directory and `NO_COLOR` given explicitly.
    pub fn load_from(
        name: Option<&str>,
        user_dir: Option<&Path>,
        no_color: bool,
    ) -> Result<Theme, UiError> {
        if no_color {
            return Self::built_in("mono");
        }
        let name = name.unwrap_or("dark");
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_alphanumeric() || "-_".contains(c))
        {
            return Err(UiError(format!(
                "theme name `{name}`: use letters, digits, `-` and `_` only"
            )));
        }
        if let Some(dir) = user_dir {
            let path: PathBuf = dir.join(format!("{name}.toml"));
            if path.is_file() {
                let text = std::fs::read_to_string(&path)
                    .map_err(|e| UiError(format!("{}: {e}", path.display())))?;
                return Self::parse(name, &text, &path.display().to_string());
            }
        }
        Self::built_in(name)
    }

    /// A theme shipped in `themes/`.
    pub fn built_in(name: &str) -> Result<Theme, UiError> {
        let text = match name {
            "dark" => DARK,
            "light" => LIGHT,
            "mono" => MONO,
            _ => {
                return Err(UiError(format!(
                    "unknown theme `{name}`; built-in themes: {}",
                    BUILT_IN.join(", ")
                )));
            }
        };
        Self::parse_onto(Self::blank(name), text, &format!("themes/{name}.toml"))
    }

    /// The default theme; the built-in files are tested, so this cannot fail in practice.
    pub fn dark() -> Theme {
        Self::built_in("dark").unwrap_or_else(|_| Self::blank("dark"))
    }

    /// The mono theme (no colours).
    pub fn mono() -> Theme {
        Self::built_in("mono").unwrap_or_else(|_| Self::blank("mono"))
    }

    /// Parse a theme file; `origin` names it in errors. Missing entries come from `dark`.
    pub fn parse(name: &str, text: &str, origin: &str) -> Result<Theme, UiError> {
        let base = Theme {
            name: name.to_owned(),
            ..Self::dark()
        };
        Self::parse_onto(base, text, origin)
    }

    fn parse_onto(mut theme: Theme, text: &str, origin: &str) -> Result<Theme, UiError> {
        let table: toml::Table =
            toml::from_str(text).map_err(|e| UiError(format!("{origin}: {e}")))?;
        for (key, value) in &table {
            let Some(spec) = value.as_str() else {
                return Err(UiError(format!(
                    "{origin}: `{key}`: expected a string like \"red on black bold\""
                )));
            };
            let style =
                parse_style(spec).map_err(|e| UiError(format!("{origin}: `{key}`: {e}")))?;
            let Some(slot) = theme.slot(key) else {
                return Err(UiError(format!("{origin}: unknown style `{key}`")));
            };
            *slot = style;
        }
        Ok(theme)
    }
}

/// Parse `"FG [on BG] [modifiers…]"`.
pub fn parse_style(spec: &str) -> Result<Style, String> {
    let mut style = Style::new();
    let mut words = spec.split_whitespace().peekable();
    let mut fg_done = false;
    while let Some(w) = words.next() {
        let lw = w.to_ascii_lowercase();
        let modifier = match lw.as_str() {
            "bold" => Some(Modifier::BOLD),
            "dim" => Some(Modifier::DIM),
            "italic" => Some(Modifier::ITALIC),
            "underlined" | "underline" => Some(Modifier::UNDERLINED),
            "reversed" | "reverse" => Some(Modifier::REVERSED),
            _ => None,
        };
        if let Some(m) = modifier {
            style = style.add_modifier(m);
        } else if lw == "on" {
            let bg = words
                .next()
                .ok_or_else(|| "`on` needs a background colour".to_owned())?;
            if let Some(c) = colour(bg)? {
                style = style.bg(c);
            }
        } else if !fg_done {
            if let Some(c) = colour(w)? {
                style = style.fg(c);
            }
            fg_done = true;
        } else {
            return Err(format!("unexpected `{w}` in \"{spec}\""));
        }
    }
    Ok(style)
}

fn colour(word: &str) -> Result<Option<Color>, String> {
    if word.eq_ignore_ascii_case("default") {
        return Ok(None);
    }
    word.parse::<Color>()
        .map(Some)
        .map_err(|_| format!("unknown colour `{word}` (use a name, an index or #rrggbb)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_ins_parse_and_set_every_style() {
        for name in BUILT_IN {
            let t = Theme::built_in(name).expect("parses");
            let text = match name {
                "dark" => DARK,
                "light" => LIGHT,
                _ => MONO,
            };
            let table: toml::Table = toml::from_str(text).expect("toml");
            for (key, _) in t.styles() {
                assert!(table.contains_key(key), "{name}.toml lacks `{key}`");
            }
        }
    }

    #[test]
    fn mono_has_no_colours_and_no_color_selects_it() {
        let t = Theme::load_from(Some("dark"), None, true).expect("mono");
        assert_eq!(t.name, "mono");
        for (key, s) in t.styles() {
            assert!(
                s.fg.is_none() && s.bg.is_none(),
                "mono `{key}` has a colour"
            );
        }
    }

    #[test]
    fn styles_parse() {
        let s = parse_style("white on red bold").expect("ok");
        assert_eq!(
            s,
            Style::new()
                .fg(Color::White)
                .bg(Color::Red)
                .add_modifier(Modifier::BOLD)
        );
        assert_eq!(
            parse_style("#102030").expect("ok").fg,
            Some(Color::Rgb(16, 32, 48))
        );
        assert!(parse_style("blurple").is_err());
        assert!(parse_style("red green").is_err());
        assert!(parse_style("red on").is_err());
    }

    #[test]
    fn user_themes_come_first_and_errors_name_the_file() {
        let dir = tempfile::tempdir().expect("tmp");
        std::fs::write(dir.path().join("dark.toml"), "ok = \"blue\"\n").expect("write");
        let t = Theme::load_from(None, Some(dir.path()), false).expect("user dark");
        assert_eq!(t.ok.fg, Some(Color::Blue));
        assert_eq!(t.fail, Theme::dark().fail, "missing entries come from dark");
        std::fs::write(dir.path().join("bad.toml"), "okay = \"blue\"\n").expect("write");
        let e = Theme::load_from(Some("bad"), Some(dir.path()), false).expect_err("bad");
        assert!(e.0.contains("bad.toml") && e.0.contains("okay"), "{e}");
        assert!(Theme::load_from(Some("../x"), Some(dir.path()), false).is_err());
        assert!(Theme::load_from(Some("nope"), Some(dir.path()), false).is_err());
    }
}
