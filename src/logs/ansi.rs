//! A small SGR parser: turns ANSI colour escapes in a log line into plain text plus style runs
//! (ratatui `Style`s over byte ranges). Other escape sequences are dropped.

use ratatui::style::{Color, Modifier, Style};

/// A styled byte range of a line's plain text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Run {
    pub start: u32,
    pub end: u32,
    pub style: Style,
}

/// The text without escapes, and the runs that carry a non-default style.
pub fn parse(input: &str) -> (String, Vec<Run>) {
    if !input.contains('\x1b') {
        return (input.to_owned(), Vec::new());
    }
    let mut text = String::with_capacity(input.len());
    let mut runs = Vec::new();
    let mut style = Style::default();
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

fn push_run(runs: &mut Vec<Run>, start: usize, end: usize, style: Style) {
    if end > start && style != Style::default() {
        runs.push(Run {
            start: u32::try_from(start).unwrap_or(u32::MAX),
            end: u32::try_from(end).unwrap_or(u32::MAX),
            style,
        });
    }
}

fn basic(n: u16) -> Color {
    match n % 10 {
        0 => Color::Black,
        1 => Color::Red,
        2 => Color::Green,
        3 => Color::Yellow,
        4 => Color::Blue,
        5 => Color::Magenta,
        6 => Color::Cyan,
        _ => Color::Gray,
    }
}

fn bright(n: u16) -> Color {
    match n % 10 {
        0 => Color::DarkGray,
        1 => Color::LightRed,
        2 => Color::LightGreen,
        3 => Color::LightYellow,
        4 => Color::LightBlue,
        5 => Color::LightMagenta,
        6 => Color::LightCyan,
        _ => Color::White,
    }
}

/// An extended colour (`5;N` or `2;R;G;B`) from the parameters after 38/48.
fn extended(it: &mut impl Iterator<Item = u16>) -> Option<Color> {
    match it.next()? {
        5 => it
            .next()
            .map(|n| Color::Indexed(u8::try_from(n).unwrap_or(u8::MAX))),
        2 => {
            let mut c = || u8::try_from(it.next().unwrap_or(0)).unwrap_or(u8::MAX);
            Some(Color::Rgb(c(), c(), c()))
        }
        _ => None,
    }
}

/// The style after the SGR parameters `params` (e.g. `1;31`).
fn apply(mut style: Style, params: &str) -> Style {
    let mut it = params
        .split([';', ':'])
        .map(|p| p.parse::<u16>().unwrap_or(0));
    if params.is_empty() {
        return Style::default();
    }
    while let Some(n) = it.next() {
        style = match n {
            0 => Style::default(),
            1 => style.add_modifier(Modifier::BOLD),
            2 => style.add_modifier(Modifier::DIM),
            3 => style.add_modifier(Modifier::ITALIC),
            4 => style.add_modifier(Modifier::UNDERLINED),
            7 => style.add_modifier(Modifier::REVERSED),
            22 => style.remove_modifier(Modifier::BOLD | Modifier::DIM),
            23 => style.remove_modifier(Modifier::ITALIC),
            24 => style.remove_modifier(Modifier::UNDERLINED),
            27 => style.remove_modifier(Modifier::REVERSED),
            30..=37 => style.fg(basic(n)),
            39 => Style { fg: None, ..style },
            40..=47 => style.bg(basic(n)),
            49 => Style { bg: None, ..style },
            90..=97 => style.fg(bright(n)),
            100..=107 => style.bg(bright(n)),
            38 => extended(&mut it).map_or(style, |c| style.fg(c)),
            48 => extended(&mut it).map_or(style, |c| style.bg(c)),
            _ => style,
        };
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
            Style::default().fg(Color::Red).add_modifier(Modifier::BOLD)
        );
        assert_eq!(runs[1].style.fg, Some(Color::Indexed(42)));
    }

    #[test]
    fn other_escapes_are_dropped() {
        let (t, runs) = parse("\x1b[2Kline\x1b[?25l\x1b(B!\x1b");
        assert_eq!(t, "line!");
        assert!(runs.is_empty());
    }
}
