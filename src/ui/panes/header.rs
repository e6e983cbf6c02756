//! The header line: ` flightdeck · NAME → ENV · vVERSION (prev P · LKG L) · op OPERATOR ·
//! window HH:MM:SS`. A protected environment is in CAPITALS in the danger style. When the line
//! does not fit, the least useful parts go first (LKG, prev, the brand, `op`).

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::Span;

use crate::ui::app::App;
use crate::ui::text;
use crate::ui::theme::Theme;

/// Which optional parts to include: each level drops one more (LKG, the brand, prev, `op`).
#[derive(Clone, Copy)]
struct Parts(u8);

impl Parts {
    fn lkg(self) -> bool {
        self.0 < 1
    }
    fn brand(self) -> bool {
        self.0 < 2
    }
    fn prev(self) -> bool {
        self.0 < 3
    }
    fn op_label(self) -> bool {
        self.0 < 4
    }
}

fn spans<'a>(app: &App, theme: &Theme, p: Parts) -> Vec<Span<'a>> {
    let h = &app.header;
    let sep = || Span::styled(" · ", theme.muted);
    let mut s = vec![Span::raw(" ")];
    if p.brand() {
        s.push(Span::styled("flightdeck", theme.accent));
        s.push(sep());
    }
    s.push(Span::styled(h.name.clone(), theme.title));
    s.push(Span::styled(" → ", theme.muted));
    if h.protected {
        s.push(Span::styled(h.environment.to_uppercase(), theme.danger));
    } else {
        s.push(Span::styled(h.environment.clone(), theme.accent));
    }
    s.push(sep());
    s.push(Span::styled(text::version(&h.version), theme.title));
    let mut extra = Vec::new();
    if p.prev()
        && let Some(prev) = &h.previous
    {
        extra.push(format!("prev {prev}"));
    }
    if p.lkg()
        && let Some(lkg) = &h.lkg
    {
        extra.push(format!("LKG {lkg}"));
    }
    if !extra.is_empty() {
        s.push(Span::styled(
            format!(" ({})", extra.join(" · ")),
            theme.muted,
        ));
    }
    if app.release.drill {
        s.push(sep());
        s.push(Span::styled("DRILL", theme.warn));
    }
    if !h.operator.is_empty() {
        s.push(sep());
        if p.op_label() {
            s.push(Span::styled("op ", theme.muted));
        }
        s.push(Span::styled(h.operator.clone(), theme.text));
    }
    if let Some(holder) = &h.observing {
        s.push(sep());
        s.push(Span::styled(
            format!("OBSERVING {holder}'s release (read-only)"),
            theme.warn,
        ));
    }
    if app.journal_pending > 0 {
        // The disk is slow: records wait for it (nothing shown as done before it is durable).
        s.push(sep());
        s.push(Span::styled(
            format!("journal: {} pending", app.journal_pending),
            theme.warn,
        ));
    }
    if let Some(deadline) = h.window_deadline {
        let left = (deadline - app.now).num_seconds();
        s.push(sep());
        if left >= 0 {
            let style = if left < 600 { theme.warn } else { theme.text };
            s.push(Span::styled("window ", theme.muted));
            s.push(Span::styled(text::hms(left), style));
        } else {
            s.push(Span::styled(
                format!("window over by {}", text::hms(left)),
                theme.danger,
            ));
        }
    }
    s
}

pub fn render(app: &App, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let width = usize::from(area.width);
    let mut chosen = Vec::new();
    for p in (0..=4).map(Parts) {
        chosen = spans(app, theme, p);
        if chosen
            .iter()
            .map(|s| text::width(&s.content))
            .sum::<usize>()
            <= width
        {
            break;
        }
    }
    text::put_spans(buf, area.x, area.y, &chosen, area.width);
}
