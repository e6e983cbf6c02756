//! The logs pane across the bottom: its title names the source, `following` or `paused`, the
//! line count, dropped lines and search matches; only the visible lines are drawn, cut lines
//! end in `…`, ANSI colours are kept, search matches are highlighted, `&` shows only the
//! filtered lines, `t` prefixes each line with its time, and skip markers stand out.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

use crate::logs::LineKind;
use crate::logs::ansi::{AnsiColor, AnsiStyle, Run};
use crate::ui::app::App;
use crate::ui::keymap::Action;
use crate::ui::logs::LogSource;
use crate::ui::logview::LogView;
use crate::ui::text;
use crate::ui::theme::Theme;

fn title<'a>(app: &App, theme: &Theme, shown: Option<&(LogSource, &LogView)>) -> Vec<Span<'a>> {
    let logs = &app.logs;
    let mut t = vec![Span::styled("Logs ", theme.title)];
    let Some((src, v)) = shown else {
        t.push(Span::styled("· no source yet", theme.muted));
        return t;
    };
    t.push(Span::styled(format!("[{}]", src.label()), theme.accent));
    if logs.count() > 1 {
        let i = logs.selected().unwrap_or(0) + 1;
        t.push(Span::styled(format!(" {i}/{}", logs.count()), theme.muted));
    }
    t.push(Span::styled(" · ", theme.muted));
    if logs.follow {
        t.push(Span::styled("following", theme.ok));
    } else {
        t.push(Span::styled("paused", theme.warn));
    }
    if logs.throttled {
        t.push(Span::styled(" · throttled", theme.warn));
    }
    let n = v.len();
    let plural = if n == 1 { "" } else { "s" };
    t.push(Span::styled(format!(" · {n} line{plural}"), theme.muted));
    if let Some(f) = logs.filter() {
        t.push(Span::styled(
            format!(" · &{} {} shown", f.text(), v.filtered().len()),
            theme.accent,
        ));
    }
    if v.dropped() > 0 {
        t.push(Span::styled(
            format!(" · {} dropped", v.dropped()),
            theme.warn,
        ));
    }
    if let Some(q) = logs.query() {
        let count = match logs.match_position() {
            (Some(pos), n) => format!("{pos}/{n}"),
            (None, 1) => "1 match".to_owned(),
            (None, n) => format!("{n} matches"),
        };
        t.push(Span::styled(
            format!(" · /{} {count}", q.text()),
            theme.accent,
        ));
    } else {
        t.push(Span::styled(
            format!(" · {} search", app.keymap.short(Action::Search)),
            theme.muted,
        ));
    }
    t
}

pub fn render(app: &App, theme: &Theme, area: Rect, buf: &mut Buffer, focused: bool) {
    let shown = app.logs.shown();
    let mut block = super::block(title(app, theme, shown.as_ref()), focused, theme);
    let inner_h = usize::from(area.height.saturating_sub(2));
    if shown.is_some() {
        let below = app.logs.below(inner_h);
        if !app.logs.follow && below > 0 {
            block = block.title_bottom(Line::from(vec![
                Span::styled(format!(" ↓ {below} newer lines · "), theme.warn),
                Span::styled(app.keymap.short(Action::End), theme.key),
                Span::styled(" follow ", theme.muted),
            ]));
        }
    }
    let inner = block.inner(area);
    block.render(area, buf);
    if inner.width < 4 || inner.height == 0 {
        return;
    }
    let x = inner.x + 1;
    let w = inner.width - 1;
    let Some((_, v)) = shown else {
        text::put(
            buf,
            x,
            inner.y,
            "a step's output shows here when it runs",
            w,
            theme.muted,
        );
        return;
    };
    if v.is_empty() {
        text::put(buf, x, inner.y, "no output yet", w, theme.muted);
        return;
    }
    let current = app.logs.current_match();
    let merged = shown
        .as_ref()
        .is_some_and(|(src, _)| src.label().ends_with("/*"));
    let visible = app.logs.visible(usize::from(inner.height));
    for (n, y) in visible.into_iter().zip(inner.top()..inner.bottom()) {
        let Some(l) = v.line(n) else { continue };
        let mut x = x;
        let mut w = w;
        if app.logs.timestamps {
            let stamp = l.ts.map_or_else(
                || "            ".to_owned(),
                |t| t.format("%H:%M:%S%.3f").to_string(),
            );
            let used = text::put(buf, x, y, &stamp, w, theme.muted) + 1;
            x += used.min(w);
            w = w.saturating_sub(used);
        }
        let line = l.text.as_str();
        let base = if l.kind == LineKind::Marker {
            theme.warn
        } else {
            theme.text
        };
        let used = text::put_cut(buf, x, y, line, w, base, theme.muted);
        if !l.runs.is_empty() && used > 0 {
            colour(buf, x, y, line, used, &l.runs);
        }
        if merged
            && used > 0
            && let Some(prefix) = crate::ui::merge::prefix_of(line)
        {
            let palette = theme.palette();
            let style = palette[crate::ui::merge::palette_index(prefix, palette.len())];
            let cols = u16::try_from(text::width(prefix)).unwrap_or(u16::MAX);
            buf.set_style(Rect::new(x, y, cols.min(used), 1), style);
        }
        if let Some(q) = v.query()
            && used > 0
        {
            let style = if current == Some(n) {
                theme.search_current
            } else {
                theme.search_match
            };
            highlight(buf, x, y, line, used, &q.ranges(cut_at(line, used)), style);
        }
    }
}

/// Apply a line's ANSI colours to its drawn cells.
fn colour(buf: &mut Buffer, x: u16, y: u16, line: &str, cols: u16, runs: &[Run]) {
    for r in runs {
        let (Ok(from), Ok(to)) = (usize::try_from(r.start), usize::try_from(r.end)) else {
            continue;
        };
        let (Some(before), Some(inside)) = (line.get(..from), line.get(from..to)) else {
            continue;
        };
        let start = u16::try_from(text::width(before)).unwrap_or(u16::MAX);
        if start >= cols {
            break;
        }
        let len = u16::try_from(text::width(inside))
            .unwrap_or(u16::MAX)
            .min(cols - start);
        buf.set_style(Rect::new(x + start, y, len, 1), ansi_style(r.style));
    }
}

/// The terminal style of a parsed ANSI style.
pub(crate) fn ansi_style(a: AnsiStyle) -> Style {
    use ratatui::style::{Color, Modifier};
    let colour = |c: AnsiColor| match c {
        AnsiColor::Basic(i) => [
            Color::Black,
            Color::Red,
            Color::Green,
            Color::Yellow,
            Color::Blue,
            Color::Magenta,
            Color::Cyan,
            Color::Gray,
            Color::DarkGray,
            Color::LightRed,
            Color::LightGreen,
            Color::LightYellow,
            Color::LightBlue,
            Color::LightMagenta,
            Color::LightCyan,
            Color::White,
        ][usize::from(i.min(15))],
        AnsiColor::Indexed(i) => Color::Indexed(i),
        AnsiColor::Rgb(r, g, b) => Color::Rgb(r, g, b),
    };
    let mut s = Style::default();
    if let Some(c) = a.fg {
        s = s.fg(colour(c));
    }
    if let Some(c) = a.bg {
        s = s.bg(colour(c));
    }
    for (on, m) in [
        (a.bold, Modifier::BOLD),
        (a.dim, Modifier::DIM),
        (a.italic, Modifier::ITALIC),
        (a.underlined, Modifier::UNDERLINED),
        (a.reversed, Modifier::REVERSED),
    ] {
        if on {
            s = s.add_modifier(m);
        }
    }
    s
}

/// The prefix of `line` that fits in `cols` columns.
fn cut_at(line: &str, cols: u16) -> &str {
    let (end, _) = text::fit(line, usize::from(cols));
    &line[..end]
}

/// Restyle the cells of the byte `ranges` of `line` drawn at (x, y).
fn highlight(
    buf: &mut Buffer,
    x: u16,
    y: u16,
    line: &str,
    cols: u16,
    ranges: &[std::ops::Range<usize>],
    style: Style,
) {
    for r in ranges {
        let start = u16::try_from(text::width(&line[..r.start])).unwrap_or(u16::MAX);
        let len = u16::try_from(text::width(&line[r.clone()])).unwrap_or(u16::MAX);
        if start >= cols {
            break;
        }
        let len = len.min(cols - start);
        buf.set_style(Rect::new(x + start, y, len, 1), style);
    }
}
