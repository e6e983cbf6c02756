//! The services & revisions pane. A placeholder for now: it names the configured services;
//! a later issue shows their containers, health and revisions.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::Span;
use ratatui::widgets::Widget;

use crate::ui::app::App;
use crate::ui::text;
use crate::ui::theme::Theme;

pub fn render(app: &App, theme: &Theme, area: Rect, buf: &mut Buffer, focused: bool) {
    let block = super::block(
        vec![Span::styled("Services & revisions", theme.title)],
        focused,
        theme,
    );
    let inner = block.inner(area);
    block.render(area, buf);
    if inner.width < 4 || inner.height == 0 {
        return;
    }
    let x = inner.x + 1;
    let w = inner.width - 1;
    if app.services.is_empty() {
        text::put(buf, x, inner.y, "no services configured", w, theme.muted);
        return;
    }
    let h = usize::from(inner.height);
    let top = app.services_top.min(app.services.len().saturating_sub(h));
    for (name, y) in app.services[top..].iter().zip(inner.top()..inner.bottom()) {
        let used = text::put(buf, x, y, "·", 1, theme.pending);
        let used = used
            + 1
            + text::put(
                buf,
                x + used + 1,
                y,
                name,
                w.saturating_sub(used + 1),
                theme.text,
            );
        text::put(
            buf,
            x + used + 2,
            y,
            "no live status yet",
            w.saturating_sub(used + 2),
            theme.muted,
        );
    }
}
