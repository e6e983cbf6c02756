//! Styles of key cells: the protected environment in the danger style, a failed step's ✖ in
//! the fail style, the focused border, and no colour at all in the mono theme.

use ratatui::style::{Color, Modifier, Style};

use super::screens::{failed, mid_step};
use super::*;

/// The first cell at or after row `from` whose symbol starts `word`, as (x, y).
fn find(buf: &Buffer, word: &str, from: u16) -> (u16, u16) {
    let text = text(buf);
    for (y, line) in text.lines().enumerate().skip(usize::from(from)) {
        if let Some(byte) = line.find(word) {
            let x = line[..byte].chars().count();
            return (u16::try_from(x).unwrap(), u16::try_from(y).unwrap());
        }
    }
    panic!("`{word}` not on screen:\n{text}")
}

fn has(cell: &ratatui::buffer::Cell, style: Style) {
    if let Some(fg) = style.fg {
        assert_eq!(cell.fg, fg, "fg of {:?}", cell.symbol());
    }
    if let Some(bg) = style.bg {
        assert_eq!(cell.bg, bg, "bg of {:?}", cell.symbol());
    }
    assert!(
        cell.modifier.contains(style.add_modifier),
        "modifiers of {:?}: {:?} lacks {:?}",
        cell.symbol(),
        cell.modifier,
        style.add_modifier
    );
}

#[test]
fn a_protected_environment_is_in_capitals_in_the_danger_style() {
    let h = mid_step();
    for theme in [
        Theme::dark(),
        Theme::built_in("light").unwrap(),
        Theme::mono(),
    ] {
        let buf = draw(&h.app, &theme, 80, 24);
        let (x, y) = find(&buf, "PRODUCTION", 0);
        assert_eq!(y, 0, "in the header");
        for dx in 0..10 {
            has(&buf[(x + dx, y)], theme.danger);
        }
        assert!(!theme.danger.add_modifier.is_empty() || theme.danger.fg.is_some());
    }
}

#[test]
fn an_unprotected_environment_is_not_in_the_danger_style() {
    let h = H::new("staging");
    let theme = Theme::dark();
    let buf = draw(&h.app, &theme, 80, 24);
    let (x, y) = find(&buf, "staging", 0);
    assert_ne!(buf[(x, y)].fg, theme.danger.fg.unwrap());
}

#[test]
fn a_failed_steps_mark_uses_the_fail_style() {
    let h = failed();
    let theme = Theme::dark();
    let buf = draw(&h.app, &theme, 80, 24);
    let (x, y) = find(&buf, "✖", 1);
    has(&buf[(x, y)], theme.fail);
    assert_eq!(
        buf[(x + 2, y)].symbol(),
        "3",
        "the mark sits beside the step number"
    );
    let (x, y) = find(&buf, "✔", 1);
    has(&buf[(x, y)], theme.ok);
}

#[test]
fn the_running_step_and_the_focused_pane_are_marked_not_only_coloured() {
    let h = mid_step();
    let theme = Theme::dark();
    let buf = draw(&h.app, &theme, 80, 24);
    let (x, y) = find(&buf, "▶", 1);
    has(&buf[(x, y)], theme.running);
    let (x, y) = find(&buf, "▸Logs", 1);
    has(&buf[(x, y)], theme.border_focused);
}

#[test]
fn the_armed_banner_uses_the_banner_style() {
    let mut h = H::new("staging");
    h.release(Msg::Arm {
        reason: "error-rate".into(),
        target: None,
    });
    let theme = Theme::dark();
    let buf = draw(&h.app, &theme, 80, 24);
    let (x, y) = find(&buf, "⚠ ROLLBACK ARMED", 0);
    has(&buf[(x, y)], theme.banner);
    has(&buf[(79, y)], theme.banner);
}

#[test]
fn mono_draws_no_colour_anywhere() {
    let theme = Theme::mono();
    for mut h in [mid_step(), failed()] {
        h.key("R");
        for (w, rows) in [(80, 24), (160, 48)] {
            let buf = draw(&h.app, &theme, w, rows);
            for cell in &buf.content {
                assert_eq!(cell.fg, Color::Reset, "{:?}", cell.symbol());
                assert_eq!(cell.bg, Color::Reset, "{:?}", cell.symbol());
            }
            assert!(
                buf.content
                    .iter()
                    .any(|c| c.modifier.contains(Modifier::BOLD))
            );
        }
    }
}

#[test]
fn search_matches_are_highlighted() {
    let mut h = mid_step();
    h.key("/");
    h.typ("registry");
    h.key("enter");
    let theme = Theme::dark();
    let buf = draw(&h.app, &theme, 160, 48);
    let (x, y) = find(&buf, "registry answers", 3);
    has(&buf[(x, y)], theme.search_current);
    assert_ne!(buf[(x - 1, y)].bg, theme.search_current.bg.unwrap());
}
