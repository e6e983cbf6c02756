//! The panes, one file each; each draws itself from `&App` into a rectangle of the buffer
//! and draws only its visible rows.

pub mod checklist;
pub mod footer;
pub mod gates;
pub mod header;
pub mod logs;
pub mod notices;
pub mod revisions;
pub mod services;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Block;

use super::text;
use super::theme::Theme;

/// A pane's bordered block: the focused pane's border is bold and marked `▸` in its title.
pub fn block<'a>(mut title: Vec<Span<'a>>, focused: bool, theme: &Theme) -> Block<'a> {
    let (border, mark) = if focused {
        (theme.border_focused, "▸")
    } else {
        (theme.border, " ")
    };
    title.insert(0, Span::styled(mark, border));
    title.push(Span::styled(" ", theme.title));
    Block::bordered()
        .border_style(border)
        .style(theme.text)
        .title(Line::from(title))
}

/// `↑` / `↓` on a pane's right border when rows are hidden above / below.
pub fn scroll_marks(buf: &mut Buffer, area: Rect, theme: &Theme, up: bool, down: bool) {
    if area.width < 2 || area.height < 4 {
        return;
    }
    let x = area.right() - 1;
    if up {
        text::put(buf, x, area.y + 1, "↑", 1, theme.accent);
    }
    if down {
        text::put(buf, x, area.bottom() - 2, "↓", 1, theme.accent);
    }
}
