//! `render(app, theme, frame)`: the whole screen, pure. Panes draw only their visible rows;
//! under 60×16 only a "terminal too small" line is drawn.

use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::widgets::{Paragraph, Widget, Wrap};

use super::app::{App, Focus};
use super::layout::{self, MIN_H, MIN_W};
use super::panes;
use super::theme::Theme;

/// Draw the cockpit into the frame.
pub fn render(app: &App, theme: &Theme, frame: &mut Frame) {
    let area = frame.area();
    draw(app, theme, area, frame.buffer_mut());
}

/// Draw the cockpit into a buffer (what [`render`] does, for tests and benches).
pub fn draw(app: &App, theme: &Theme, area: Rect, buf: &mut Buffer) {
    buf.set_style(area, theme.text);
    let Some(a) = layout::compute(area, app) else {
        too_small(theme, area, buf);
        return;
    };
    panes::header::render(app, theme, a.header, buf);
    for (notice, r) in &a.notices {
        panes::notices::render(app, theme, *notice, *r, buf);
    }
    let f = app.focus;
    panes::checklist::render(app, theme, a.checklist, buf, f == Focus::Checklist);
    panes::services::render(app, theme, a.services, buf, f == Focus::Services);
    panes::gates::render(app, theme, a.gates, buf, f == Focus::Gates);
    panes::logs::render(app, theme, a.logs, buf, f == Focus::Logs);
    panes::footer::render(app, theme, a.status, a.footer, buf);
    if let Some(m) = &app.modal {
        m.render(app, theme, area, buf);
    }
}

fn too_small(theme: &Theme, area: Rect, buf: &mut Buffer) {
    let msg = format!(
        "terminal too small ({}x{}), need {MIN_W}×{MIN_H}",
        area.width, area.height
    );
    Paragraph::new(msg)
        .style(theme.warn)
        .wrap(Wrap { trim: true })
        .render(area, buf);
}
