//! `--mouse` in a real terminal: a click focuses the pane under the pointer, the wheel scrolls
//! the pane under the pointer (scrolling the logs up pauses follow). The events are sent as the
//! SGR mouse sequences a terminal writes.

use crate::run::Dir;
use crate::skip::{Component, need};
use crate::tmux::{Tmux, bin};

/// An SGR mouse event at 1-based column `x`, row `y`: `button` 0 = left, 64 / 65 = wheel up /
/// down; `press` false for a release.
fn sgr(button: u8, x: u16, y: u16, press: bool) -> String {
    format!("\x1b[<{button};{x};{y}{}", if press { 'M' } else { 'm' })
}

/// The 1-based row of the first screen line containing `text`.
fn row_of(screen: &str, text: &str) -> u16 {
    let i = screen
        .lines()
        .position(|l| l.contains(text))
        .unwrap_or_else(|| panic!("{text} not on screen:\n{screen}"));
    u16::try_from(i + 1).expect("row")
}

#[test]
fn a_click_focuses_a_pane_and_the_wheel_scrolls_the_logs() {
    if !need(Component::Tmux) {
        return;
    }
    let d = Dir::new(
        r#"
[release]
name = "app"
environment = "staging"
version = "1.0.0"
[[steps]]
id = "chatty"
kind = "run"
run = "i=0; while [ $i -lt 200 ]; do echo line $i; i=$((i+1)); done; while [ ! -f go ]; do sleep 0.1; done"
[[steps]]
id = "second"
kind = "run"
run = "echo second"
"#,
    );
    let t = Tmux::start(d.path(), &format!("{} run --mouse", bin()), 120, 30);
    t.wait_for("⏎ runs step");
    t.keys(&["Enter"]);
    let s = t.wait_for("line 199");
    assert!(
        s.contains("▸Logs"),
        "the logs have the focus at first:\n{s}"
    );
    // A click in the checklist pane (its second line) focuses it.
    let y = row_of(&s, "Checklist") + 2;
    t.text(&sgr(0, 5, y, true));
    t.text(&sgr(0, 5, y, false));
    let s = t.wait_for("▸Checklist");
    assert!(!s.contains("▸Logs"), "{s}");
    // The wheel over the logs focuses them and scrolls up: follow pauses.
    let y = row_of(&s, "Logs [") + 3;
    for _ in 0..3 {
        t.text(&sgr(64, 20, y, true));
    }
    let s = t.wait_for("paused");
    assert!(s.contains("▸Logs"), "{s}");
    assert!(
        !s.contains("line 199"),
        "scrolled up, the newest line is out of view:\n{s}"
    );
    d.write("go", "");
    t.wait_for("⏎ runs step 2");
    t.keys(&["q"]);
}
