//! A small SGR parser: turns ANSI colour escapes in a log line into plain text plus style runs
//! (its own [`AnsiStyle`]s over byte ranges; `ui` converts them to the terminal's styles).
//! Other escape sequences are dropped.

/// A colour an SGR sequence names: one of the 16 basic ones, a 256-colour index, or RGB.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnsiColor {
    /// 0–7 (black … white) and 8–15 (their bright variants).
    Basic(u8),
    Indexed(u8),
    Rgb(u8, u8, u8),
}

/// Attributes an SGR sequence sets (one flag per SGR attribute, as the terminal has them).
#[allow(clippy::struct_excessive_bools)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AnsiStyle {
    pub fg: Option<AnsiColor>,
    pub bg: Option<AnsiColor>,
    pub bold: bool,
    pub dim: bool,
    pub italic: bool,
    pub underlined: bool,
    pub reversed: bool,
}

/// A styled byte range of a line's plain text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Run {
    pub start: u32,
    pub end: u32,
    pub style: AnsiStyle,
}

/// The text without escapes, and the runs that carry a non-default style.
pub fn parse(input: &str) -> (String, Vec<Run>) {
    if !input.contains('\x1b') {
        return (input.to_owned(), Vec::new());
    }
    let mut text = String::with_capacity(input.len());
    let mut runs = Vec::new();
    let mut style = AnsiStyle::default();
    let mut run_start = 0usize;
    let mut rest = input;
    while let Some(pos) = rest.find('\x1b') {
        text.push_str(&rest[..pos]);
        let after = &rest[pos + 1..];
        let Some(body) = after.strip_prefix('[') else {
            // A lone ESC or a non-CSI escape: drop the ESC and the next char.
            let mut chars = after.chars();
            if chars.next().is_some_and(|c| ('\x20'..='\x2f').contains(&c)) {
                chars.next();
            }
            rest = chars.as_str();
            continue;
        };
        let end = body
            .find(|c: char| ('\x40'..='\x7e').contains(&c))
            .unwrap_or(body.len());
        let params = &body[..end];
        let fin = body[end..].chars().next();
        rest = body
            .get(end + fin.map_or(0, char::len_utf8)..)
            .unwrap_or("");
        if fin != Some('m') {
            continue;
        }
        let new = apply(style, params);
        if new != style {
            push_run(&mut runs, run_start, text.len(), style);
            run_start = text.len();
            style = new;
        }
    }
    text.push_str(rest);
    push_run(&mut runs, run_start, text.len(), style);
    (text, runs)
}

fn push_run(runs: &mut Vec<Run>, start: usize, end: usize, style: AnsiStyle) {
    if end > start && style != AnsiStyle::default() {
        runs.push(Run {
            start: u32::try_from(start).unwrap_or(u32::MAX),
            end: u32::try_from(end).unwrap_or(u32::MAX),
            style,
        });
    }
}

/// The colour of SGR 30–37 / 40–47 (`bright`: 90–97 / 100–107).
fn basic(n: u16, bright: bool) -> AnsiColor {
    let i = u8::try_from(n % 10).unwrap_or(7).min(7);
    AnsiColor::Basic(if bright { i + 8 } else { i })
}

fn extended(it: &mut impl Iterator<Item = u16>) -> Option<AnsiColor> {
    match it.next()? {
        5 => it
            .next()
            .map(|n| AnsiColor::Indexed(u8::try_from(n).unwrap_or(u8::MAX))),
        2 => {
            let mut c = || u8::try_from(it.next().unwrap_or(0)).unwrap_or(u8::MAX);
            Some(AnsiColor::Rgb(c(), c(), c()))
        }
        _ => None,
    }
}

/// The style after the SGR parameters `params` (e.g. `1;31`).
fn apply(mut style: AnsiStyle, params: &str) -> AnsiStyle {
    let mut it = params
        .split([';', ':'])
        .map(|p| p.parse::<u16>().unwrap_or(0));
    if params.is_empty() {
        return AnsiStyle::default();
    }
    while let Some(n) = it.next() {
        match n {
            0 => style = AnsiStyle::default(),
            1 => style.bold = true,
            2 => style.dim = true,
            3 => style.italic = true,
            4 => style.underlined = true,
            7 => style.reversed = true,
            22 => (style.bold, style.dim) = (false, false),
            23 => style.italic = false,
            24 => style.underlined = false,
            27 => style.reversed = false,
            30..=37 => style.fg = Some(basic(n, false)),
            39 => style.fg = None,
            40..=47 => style.bg = Some(basic(n, false)),
            49 => style.bg = None,
            90..=97 => style.fg = Some(basic(n, true)),
            100..=107 => style.bg = Some(basic(n, true)),
            38 => style.fg = extended(&mut it).or(style.fg),
            48 => style.bg = extended(&mut it).or(style.bg),
            _ => {}
        }
    }
    style
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_has_no_runs() {
        assert_eq!(parse("hello"), ("hello".to_owned(), vec![]));
    }

    #[test]
    fn colours_become_runs() {
        let (t, runs) = parse("a \x1b[1;31mERR\x1b[0m b \x1b[38;5;42mx\x1b[m");
        assert_eq!(t, "a ERR b x");
        assert_eq!(runs.len(), 2);
        assert_eq!((runs[0].start, runs[0].end), (2, 5));
        assert_eq!(
            runs[0].style,
            AnsiStyle {
                fg: Some(AnsiColor::Basic(1)),
                bold: true,
                ..AnsiStyle::default()
            }
        );
        assert_eq!(runs[1].style.fg, Some(AnsiColor::Indexed(42)));
    }

    #[test]
    fn other_escapes_are_dropped() {
        let (t, runs) = parse("\x1b[2Kline\x1b[?25l\x1b(B!\x1b");
        assert_eq!(t, "line!");
        assert!(runs.is_empty());
    }
}
