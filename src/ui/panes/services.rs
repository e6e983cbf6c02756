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
    super::scroll_marks(buf, area, theme, top > 0, top + h < app.services.len());
    let name_w = app
        .services
        .iter()
        .map(|n| text::width(n))
        .max()
        .unwrap_or(0)
        .min(usize::from(w / 2));
    let name_w = u16::try_from(name_w).unwrap_or(0);
    for (name, y) in app.services[top..].iter().zip(inner.top()..inner.bottom()) {
        text::put(buf, x, y, "·", 1, theme.pending);
        text::put(
            buf,
            x + 2,
            y,
            name,
            name_w.min(w.saturating_sub(2)),
            theme.text,
        );
        let col = 2 + name_w + 2;
        text::put(
            buf,
            x + col,
            y,
            "no live status yet",
            w.saturating_sub(col),
            theme.muted,
        );
    }
}
