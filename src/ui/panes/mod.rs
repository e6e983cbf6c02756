//! The panes, one file each; each draws itself from `&App` into a rectangle of the buffer
//! and draws only its visible rows.

pub mod checklist;
pub mod footer;
pub mod gates;
pub mod header;
pub mod logs;
pub mod notices;
pub mod services;

use ratatui::text::{Line, Span};
use ratatui::widgets::Block;

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
