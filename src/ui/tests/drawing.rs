//! Drawing the cockpit into a `TestBackend` for the screen tests: the buffer as text, whole
//! screens at a size, and gates measured a little before now.

use super::*;

/// Draw the whole screen at `w`×`h` through a `TestBackend`.
pub fn draw(app: &App, theme: &Theme, w: u16, h: u16) -> Buffer {
    let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
    term.draw(|f| render(app, theme, f)).unwrap();
    term.backend().buffer().clone()
}

/// A buffer as text, one line per row, trailing spaces trimmed.
pub fn text(buf: &Buffer) -> String {
    let area = buf.area;
    let mut out = String::new();
    for y in area.top()..area.bottom() {
        let mut line = String::new();
        for x in area.left()..area.right() {
            line.push_str(buf[(x, y)].symbol());
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// The whole screen as text at `w`×`h` with the dark theme, after telling the App its size.
pub fn screen(h: &mut H, w: u16, rows: u16) -> String {
    h.app.update(AppMsg::Resize(w, rows), h.now());
    text(&draw(&h.app, &Theme::dark(), w, rows))
}

/// Gates measured a little before now.
pub fn measure_gates(h: &mut H) {
    let now = h.now();
    for (id, state, value, msg, ago) in [
        ("health", GateState::Pass, "200 41ms", "", 12),
        ("error-rate", GateState::Fail, "6.1% > 5%", "5xx over 5m", 3),
        (
            "p99",
            GateState::Error,
            "unreachable",
            "(2/4) connection refused",
            40,
        ),
    ] {
        h.send(AppMsg::Gate(GateRow {
            id: id.into(),
            kind: crate::runbook::GateType::Unknown,
            state,
            value: value.into(),
            message: msg.into(),
            expected: None,
            at: Some(now - chrono::Duration::seconds(ago)),
        }));
    }
}
