//! The gates pane: mark, id, value and message of every gate, and the age of its last
//! measurement (`12s`). A failing gate shows what it expected: `✖ version 1.0.0 (want 2.0.0)`.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::Span;
use ratatui::widgets::Widget;

use crate::ui::app::App;
use crate::ui::model::GateState;
use crate::ui::text;
use crate::ui::theme::Theme;

/// Ids longer than this are cut in the id column.
const MAX_ID: usize = 16;

/// The pane's title: `Gates` and the count of each state with its mark.
fn title<'a>(app: &App, theme: &Theme) -> Vec<Span<'a>> {
    let count = |st| app.gates.iter().filter(|g| g.state == st).count();
    let mut title = vec![Span::styled("Gates", theme.title)];
    for (st, style) in [
        (GateState::Pass, theme.ok),
        (GateState::Fail, theme.fail),
        (GateState::Warn, theme.warn),
        (GateState::Error, theme.warn),
    ] {
        let n = count(st);
        if n > 0 {
            title.push(Span::styled(format!(" {n}{}", st.mark()), style));
        }
    }
    title
}

pub fn render(app: &App, theme: &Theme, area: Rect, buf: &mut Buffer, focused: bool) {
    let block = super::block(title(app, theme), focused, theme);
    let inner = block.inner(area);
    block.render(area, buf);
    if inner.width < 8 || inner.height == 0 {
        return;
    }
    let x = inner.x + 1;
    let w = inner.width - 1;
    if app.gates.is_empty() {
        text::put(buf, x, inner.y, "no gates", w, theme.muted);
        return;
    }
    let h = usize::from(inner.height);
    let top = app.gates_top.min(app.gates.len().saturating_sub(h));
    let id_w = app
        .gates
        .iter()
        .map(|g| text::width(&g.id))
        .max()
        .unwrap_or(0)
        .min(MAX_ID);
    let id_w16 = u16::try_from(id_w).unwrap_or(0);
    for (i, (g, y)) in app.gates[top..]
        .iter()
        .zip(inner.top()..inner.bottom())
        .enumerate()
    {
        if focused && app.gate_selected == Some(top + i) {
            text::put(buf, inner.x, y, "▸", 1, theme.accent);
        }
        let style = match g.state {
            GateState::Pending => theme.pending,
            GateState::Pass => theme.ok,
            GateState::Fail => theme.fail,
            GateState::Error | GateState::Warn => theme.warn,
        };
        let age =
            g.at.map(|t| text::age((app.now - t).num_seconds()))
                .unwrap_or_default();
        let mut age_w = u16::try_from(text::width(&age)).unwrap_or(0);
        let mut used = text::put(buf, x, y, g.state.mark(), 1, style);
        used += 1;
        let id = text::ellipsize(&g.id, id_w);
        text::put(buf, x + used, y, &id, w.saturating_sub(used), theme.text);
        used = (used + id_w16 + 1).min(w);
        let value = if g.state == GateState::Pending && g.value.is_empty() {
            "not measured yet"
        } else {
            &g.value
        };
        let want = match (g.state, &g.expected) {
            (GateState::Fail, Some(want)) => format!("(want {want})"),
            _ => String::new(),
        };
        // What a failing gate wants matters more than its age: the age gives way when that
        // alone makes room for it.
        let wide = text::width(value) + usize::from(!value.is_empty()) + text::width(&want);
        if !want.is_empty() && usize::from(w.saturating_sub(used + age_w + 2)) < wide {
            age_w = 0;
        }
        let room = w.saturating_sub(used + if age_w > 0 { age_w + 2 } else { 1 });
        let value_style = if g.state == GateState::Pending {
            theme.muted
        } else {
            style
        };
        let mut vw = text::put(buf, x + used, y, value, room, value_style);
        if !want.is_empty() {
            let at = vw + u16::from(vw > 0);
            let room = room.saturating_sub(at);
            vw = at + text::put(buf, x + used + at, y, &want, room, theme.text);
        }
        // The message only when it fits whole: a cut message misleads more than none. It
        // takes the value's place when there is no value.
        let gap = u16::from(vw > 0);
        if !g.message.is_empty()
            && usize::from(room) > usize::from(vw + gap) + text::width(&g.message)
        {
            text::put(
                buf,
                x + used + vw + gap,
                y,
                &g.message,
                room - vw - gap,
                theme.muted,
            );
        }
        if age_w > 0 && w > age_w + used {
            text::put(buf, x + w - 1 - age_w, y, &age, age_w, theme.muted);
        }
    }
    super::scroll_marks(buf, area, theme, top > 0, top + h < app.gates.len());
}
