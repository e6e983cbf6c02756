//! Small text helpers for the panes: width-aware writing with a truncation mark, and the
//! compact duration, timer and age formats the screen uses.

use ratatui::buffer::Buffer;
use ratatui::style::Style;
use ratatui::text::Span;
use unicode_width::UnicodeWidthChar;

/// The mark written in the last column of a cut line.
pub const CUT: &str = "…";

/// Display width of `s`, counting control characters as zero (they are never drawn).
pub fn width(s: &str) -> usize {
    s.chars().map(char_width).sum()
}

fn char_width(c: char) -> usize {
    if c.is_control() {
        0
    } else {
        c.width().unwrap_or(0)
    }
}

/// Write `s` at (x, y) in at most `max` columns. When it does not fit, the last column holds
/// [`CUT`] in `cut_style`. Only the characters that can show are looked at, so a 64 KiB line
/// costs no more than a short one. Returns the columns used.
pub fn put(buf: &mut Buffer, x: u16, y: u16, s: &str, max: u16, style: Style) -> u16 {
    put_cut(buf, x, y, s, max, style, style)
}

/// [`put`] with a separate style for the truncation mark.
pub fn put_cut(
    buf: &mut Buffer,
    x: u16,
    y: u16,
    s: &str,
    max: u16,
    style: Style,
    cut_style: Style,
) -> u16 {
    let area = *buf.area();
    if max == 0 || y < area.top() || y >= area.bottom() || x < area.left() || x >= area.right() {
        return 0;
    }
    let max = max.min(area.right() - x);
    let (end, cut) = fit(s, usize::from(max));
    if cut {
        let (shown, _) = fit(s, usize::from(max) - 1);
        let (nx, _) = buf.set_stringn(x, y, &s[..shown], usize::from(max) - 1, style);
        let (nx, _) = buf.set_stringn(nx, y, CUT, 1, cut_style);
        nx - x
    } else {
        let (nx, _) = buf.set_stringn(x, y, &s[..end], usize::from(max), style);
        nx - x
    }
}

/// Write styled spans one after the other in at most `max` columns; a cut shows [`CUT`].
/// Meant for short spans (titles, headers, rows), not for log lines.
pub fn put_spans(buf: &mut Buffer, x: u16, y: u16, spans: &[Span<'_>], max: u16) -> u16 {
    let area = *buf.area();
    if max == 0 || y < area.top() || y >= area.bottom() || x < area.left() || x >= area.right() {
        return 0;
    }
    let max = max.min(area.right() - x);
    let total: usize = spans.iter().map(|s| width(&s.content)).sum();
    let cut = total > usize::from(max);
    let room = if cut { max - 1 } else { max };
    let mut used = 0;
    let mut last = Style::new();
    for sp in spans {
        if used >= room {
            break;
        }
        let (nx, _) = buf.set_stringn(
            x + used,
            y,
            sp.content.as_ref(),
            usize::from(room - used),
            sp.style,
        );
        used = nx - x;
        last = sp.style;
    }
    if cut {
        let (nx, _) = buf.set_stringn(x + used, y, CUT, 1, last);
        used = nx - x;
    }
    used
}

/// Greedy word wrap of plain text into lines of at most `max` columns (long words are cut).
pub fn wrap(s: &str, max: usize) -> Vec<String> {
    let mut out = Vec::new();
    for para in s.lines() {
        let mut line = String::new();
        for word in para.split_whitespace() {
            let need = usize::from(!line.is_empty()) + width(word);
            if !line.is_empty() && width(&line) + need > max {
                out.push(std::mem::take(&mut line));
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
        out.push(ellipsize(&line, max));
    }
    out
}

/// The byte length of the longest prefix of `s` that fits in `max` columns, and whether the
/// rest was cut off (something visible remains).
pub fn fit(s: &str, max: usize) -> (usize, bool) {
    let mut used = 0;
    for (i, c) in s.char_indices() {
        let w = char_width(c);
        if used + w > max {
            return (i, true);
        }
        used += w;
    }
    (s.len(), false)
}

/// Cut `s` to `max` columns with a trailing [`CUT`] when it does not fit.
pub fn ellipsize(s: &str, max: usize) -> String {
    if max == 0 {
        return String::new();
    }
    let (end, cut) = fit(s, max);
    if cut {
        let (shown, _) = fit(s, max - 1);
        format!("{}{CUT}", &s[..shown])
    } else {
        s[..end].to_owned()
    }
}

/// A finished step's duration: `<1s`, `4s`, `2m05s`, `1h02m`.
pub fn duration_ms(ms: u64) -> String {
    let s = ms / 1000;
    if s == 0 {
        "<1s".to_owned()
    } else if s < 60 {
        format!("{s}s")
    } else if s < 3600 {
        format!("{}m{:02}s", s / 60, s % 60)
    } else {
        format!("{}h{:02}m", s / 3600, (s % 3600) / 60)
    }
}

/// A running step's live timer: `00:41`, `12:03`, `1:02:03`.
pub fn timer(secs: i64) -> String {
    let s = secs.max(0);
    if s < 3600 {
        format!("{:02}:{:02}", s / 60, s % 60)
    } else {
        format!("{}:{:02}:{:02}", s / 3600, (s % 3600) / 60, s % 60)
    }
}

/// A countdown: `01:42:10`.
pub fn hms(secs: i64) -> String {
    let s = secs.abs();
    format!("{:02}:{:02}:{:02}", s / 3600, (s % 3600) / 60, s % 60)
}

/// How long ago: `12s`, `3m`, `2h`, `4d`.
pub fn age(secs: i64) -> String {
    let s = secs.max(0);
    if s < 60 {
        format!("{s}s")
    } else if s < 3600 {
        format!("{}m", s / 60)
    } else if s < 86_400 {
        format!("{}h", s / 3600)
    } else {
        format!("{}d", s / 86_400)
    }
}

/// A relative age in words: `just now`, `1 minute ago`, `15 minutes ago`, `2 days ago`.
pub fn ago(secs: i64) -> String {
    let s = secs.max(0);
    let (n, unit) = match s {
        0 => return "just now".to_owned(),
        1..60 => (s, "second"),
        60..3600 => (s / 60, "minute"),
        3600..86_400 => (s / 3600, "hour"),
        86_400..5_184_000 => (s / 86_400, "day"),
        5_184_000..63_072_000 => (s / 2_592_000, "month"),
        _ => (s / 31_536_000, "year"),
    };
    let plural = if n == 1 { "" } else { "s" };
    format!("{n} {unit}{plural} ago")
}

/// `v1.4.2` for `1.4.2`; a version that already starts with `v` is left alone.
pub fn version(v: &str) -> String {
    if v.starts_with('v') || v.is_empty() || !v.starts_with(|c: char| c.is_ascii_digit()) {
        v.to_owned()
    } else {
        format!("v{v}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::layout::Rect;

    #[test]
    fn formats() {
        assert_eq!(duration_ms(300), "<1s");
        assert_eq!(duration_ms(4_000), "4s");
        assert_eq!(duration_ms(125_000), "2m05s");
        assert_eq!(duration_ms(3_720_000), "1h02m");
        assert_eq!(timer(41), "00:41");
        assert_eq!(timer(3723), "1:02:03");
        assert_eq!(hms(6130), "01:42:10");
        assert_eq!(age(12), "12s");
        assert_eq!(age(7200), "2h");
        assert_eq!(ago(0), "just now");
        assert_eq!(ago(1), "1 second ago");
        assert_eq!(ago(900), "15 minutes ago");
        assert_eq!(ago(3600), "1 hour ago");
        assert_eq!(ago(2 * 86_400 + 5), "2 days ago");
        assert_eq!(ago(90 * 86_400), "3 months ago");
        assert_eq!(ago(800 * 86_400), "2 years ago");
        assert_eq!(version("1.4.2"), "v1.4.2");
        assert_eq!(version("v1.4.2"), "v1.4.2");
        assert_eq!(version("ga-1"), "ga-1");
    }

    #[test]
    fn put_marks_a_cut_line_and_never_overflows() {
        let mut buf = Buffer::empty(Rect::new(0, 0, 6, 1));
        assert_eq!(put(&mut buf, 0, 0, "abcdefgh", 6, Style::new()), 6);
        assert_eq!(buf[(5, 0)].symbol(), CUT);
        assert_eq!(buf[(4, 0)].symbol(), "e");
        let mut buf = Buffer::empty(Rect::new(0, 0, 6, 1));
        assert_eq!(put(&mut buf, 0, 0, "abc", 6, Style::new()), 3);
        assert_eq!(put(&mut buf, 9, 0, "abc", 6, Style::new()), 0);
        assert_eq!(ellipsize("deploy-backend", 7), "deploy…");
        assert_eq!(ellipsize("abc", 3), "abc");
        let long = "x".repeat(70_000);
        let mut buf = Buffer::empty(Rect::new(0, 0, 10, 1));
        assert_eq!(put(&mut buf, 2, 0, &long, 100, Style::new()), 8);
    }
}
