//! The rollback picker in the real cockpit (tmux): `R` opens it over git's previous and LKG
//! tags and the helm fixture's revisions, newest first; the choice, confirmed, is the rollback
//! step's `{{ rollback.version }}` and the journal's target.

use crate::revisions::{confirmed_target, fixture_path, pick_dir};
use crate::skip::{Component, need};
use crate::tmux::{Tmux, bin, wait_file};

/// The row of `screen` that contains `what`.
fn row_of(screen: &str, what: &str) -> usize {
    screen
        .lines()
        .position(|l| l.contains(what))
        .unwrap_or_else(|| panic!("{what:?} is not on the screen:\n{screen}"))
}

#[test]
fn the_picker_lists_newest_first_and_its_choice_is_the_rollback_version() {
    if !need(Component::Tmux) {
        return;
    }
    let d = pick_dir("echo deployed {{ version }}");
    let t = Tmux::start(
        d.path(),
        &format!(
            "PATH='{}' {} run --operator alice; echo $? > exit.txt",
            fixture_path(),
            bin()
        ),
        120,
        36,
    );
    t.wait_for("⏎ runs step");
    t.keys(&["Enter"]);
    t.wait_for("✔ 1");
    t.keys(&["R"]);
    t.wait_for("pick a revision");
    let s = t.wait_for("[running]");
    // Newest first: helm 42 … 39 (May 2024), then rc-1.10.0 (LKG) and v1.9.0 (previous).
    let rows: Vec<usize> = [
        " 42 ",
        " 41 ",
        " 40 ",
        " 39 ",
        "rc-1.10.0  git",
        "v1.9.0     git",
    ]
    .iter()
    .map(|w| row_of(&s, w))
    .collect();
    assert!(rows.windows(2).all(|w| w[0] < w[1]), "{rows:?}\n{s}");
    assert!(s.contains("[LKG]"), "{s}");
    assert!(
        s.contains("› v1.9.0"),
        "the previous tag is preselected:\n{s}"
    );
    assert!(s.contains("ago"), "each row has its age:\n{s}");
    t.keys(&["Up", "Up", "Up"]);
    t.wait_for("› 40");
    t.keys(&["Enter"]);
    let s = t.wait_for("Cancel");
    assert!(
        s.contains("40 (picked"),
        "the confirmation names the pick:\n{s}"
    );
    t.keys(&["y"]);
    assert_eq!(wait_file(&d.path().join("picked.txt")).trim(), "40");
    t.wait_for("rolled back");
    t.keys(&["q"]);
    assert_eq!(wait_file(&d.path().join("exit.txt")).trim(), "3");
    assert_eq!(confirmed_target(&d), "40");
    d.verify_latest();
}

#[test]
fn esc_in_the_picker_cancels_and_nothing_rolls_back() {
    if !need(Component::Tmux) {
        return;
    }
    let d = pick_dir("echo deployed {{ version }}");
    let t = Tmux::start(
        d.path(),
        &format!(
            "PATH='{}' {} run --operator alice; echo $? > exit.txt",
            fixture_path(),
            bin()
        ),
        100,
        30,
    );
    t.wait_for("⏎ runs step");
    t.keys(&["Enter"]);
    t.wait_for("✔ 1");
    t.keys(&["R"]);
    t.wait_for("pick a revision");
    t.keys(&["Escape"]);
    t.wait_for("rollback cancelled");
    t.keys(&["q"]);
    assert_eq!(wait_file(&d.path().join("exit.txt")).trim(), "0");
    assert!(!d.path().join("picked.txt").exists());
}
