//! insta snapshots of the log pane fed by a container stream: following, paused, filtered
//! (`&`), with timestamps (`t`), and with a skip marker; plus the styles of coloured cells.

use insta::assert_snapshot;
use ratatui::style::Color;

use super::*;
use crate::logs::{LogLine, Masker};
use crate::model::logs::LogMsg;

const SOURCE: &str = "backend/backend-1";

fn line(i: u32, text: &str) -> LogLine {
    let ts = t(i64::from(i));
    LogLine::from_raw(text.as_bytes(), Some(ts), &Masker::default())
}

/// A cockpit showing the container's source, fed `n` lines (every 7th an ERROR).
fn streaming(n: u32) -> H {
    let mut h = H::new("staging");
    let lines = (0..n)
        .map(|i| {
            if i % 7 == 3 {
                line(i, &format!("\x1b[31mERROR\x1b[0m req {i} failed"))
            } else {
                line(i, &format!("GET /api/items/{i} 200 3ms"))
            }
        })
        .collect();
    h.send(AppMsg::Log(LogMsg {
        source: SOURCE.into(),
        lines,
    }));
    h
}

fn pane(h: &mut H) -> String {
    let s = screen(h, 80, 24);
    s.lines().skip(11).collect::<Vec<_>>().join("\n")
}

#[test]
fn log_pane_following() {
    let mut h = streaming(40);
    assert_eq!(
        h.app.logs.count(),
        2,
        "the container took its service's empty place, beside the merged `backend/*`"
    );
    assert!(h.app.logs.follow);
    assert_snapshot!("log_pane_following", pane(&mut h));
}

#[test]
fn log_pane_paused_after_scrolling_up() {
    let mut h = streaming(40);
    h.key("tab"); // focus the logs pane (from the checklist)
    while h.app.focus != crate::ui::app::Focus::Logs {
        h.key("tab");
    }
    h.key("up");
    h.key("up");
    assert!(!h.app.logs.follow, "scrolling up pauses");
    assert_snapshot!("log_pane_paused", pane(&mut h));
    h.key("end");
    assert!(h.app.logs.follow, "End resumes");
}

#[test]
fn log_pane_filtered_with_timestamps() {
    let mut h = streaming(40);
    h.key("&");
    h.typ("error");
    h.key("enter");
    h.key("t");
    assert_snapshot!("log_pane_filtered", pane(&mut h));
}

#[test]
fn log_pane_with_a_skip_marker() {
    let mut h = streaming(10);
    h.send(AppMsg::Log(LogMsg {
        source: SOURCE.into(),
        lines: vec![LogLine::marker(
            "… about 48210 lines skipped to stay live …",
            Some(t(20)),
        )],
    }));
    h.send(AppMsg::Log(LogMsg {
        source: SOURCE.into(),
        lines: vec![line(21, "GET /api/items/99999 200 2ms")],
    }));
    let s = pane(&mut h);
    assert!(s.contains("lines skipped"));
    assert_snapshot!("log_pane_skip_marker", s);
}

#[test]
fn ansi_colours_and_markers_are_styled() {
    let mut h = streaming(10);
    h.app.update(AppMsg::Resize(80, 24), h.now());
    let buf = draw(&h.app, &Theme::dark(), 80, 24);
    let found = (0..24u16)
        .any(|y| (0..80u16).any(|x| buf[(x, y)].symbol() == "E" && buf[(x, y)].fg == Color::Red));
    assert!(found, "the red ERROR keeps its colour");
}

#[test]
fn log_pane_says_throttled_while_the_front_end_skips_its_frames() {
    let mut h = streaming(40);
    assert!(!pane(&mut h).contains("throttled"));
    h.app.clear_dirty();
    h.send(AppMsg::LogThrottled(true));
    assert!(h.app.dirty(), "the title changed: a frame is due");
    h.app.clear_dirty();
    h.send(AppMsg::LogThrottled(true));
    assert!(!h.app.dirty(), "no change, no frame");
    let p = pane(&mut h);
    let title = p.lines().next().unwrap_or_default();
    assert!(title.contains("following · throttled"), "{p}");
    assert_snapshot!("log_pane_throttled", p);
    h.send(AppMsg::LogThrottled(false));
    assert!(!pane(&mut h).contains("throttled"));
}
