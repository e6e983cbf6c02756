//! The questions asked on the terminal before the cockpit starts take one key, no Enter.

use std::process::Command;

use crate::run::{Dir, out};
use crate::skip::{Component, need};
use crate::tmux::{Tmux, bin, wait_file};

const FLAKY: &str = r#"
[release]
name = "app"
environment = "staging"
version = "1.0.0"
[[steps]]
id = "flaky"
kind = "run"
run = "test -f ok || exit 3; echo fixed"
"#;

/// An unfinished release: its only step failed, headless.
fn unfinished() -> Dir {
    let d = Dir::new(FLAKY);
    let o = d.cmd(&["run", "--plain"]).output().expect("runs");
    assert_eq!(o.status.code(), Some(1), "{}", out(&o));
    d
}

/// The lines of the screen up to and including the first one containing `text`.
fn lines_through(screen: &str, text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for l in screen.lines() {
        out.push(l.to_owned());
        if l.contains(text) {
            break;
        }
    }
    out
}

#[test]
fn y_alone_resumes_an_unfinished_release() {
    if !need(Component::Tmux) {
        return;
    }
    let d = unfinished();
    let t = Tmux::start(
        d.path(),
        &format!(
            "{} run --operator alice; echo $? > exit.txt; sleep 30",
            bin()
        ),
        120,
        30,
    );
    let s = t.wait_for("Resume it?");
    assert!(
        s.contains("y resumes · n abandons (asks for a note) · any other key cancels"),
        "every key is named: {s}"
    );
    t.keys(&["y"]);
    let s = t.wait_for("r retry");
    assert!(s.contains("Checklist"), "the cockpit runs: {s}");
    let (records, _) = d.latest();
    assert!(
        records
            .iter()
            .any(|r| r.data["text"].as_str() == Some("release resumed by alice")),
        "resumed without an Enter"
    );
    t.keys(&["q"]);
    t.wait_for("Quit flightdeck?");
    t.keys(&["y"]);
    wait_file(&d.path().join("exit.txt"));
}

#[test]
fn another_key_cancels_the_resume_question_and_restores_the_terminal() {
    if !need(Component::Tmux) {
        return;
    }
    let d = unfinished();
    let t = Tmux::start(
        d.path(),
        &format!(
            "{} run --operator alice; echo $? > exit.txt; sleep 30",
            bin()
        ),
        120,
        30,
    );
    t.wait_for("Resume it?");
    t.keys(&["x"]);
    assert_eq!(wait_file(&d.path().join("exit.txt")).trim(), "4");
    let s = t.wait_for("refused: release");
    // Back in cooked mode: the refusal starts its own line (raw mode would leave it mid-line).
    let shown = lines_through(&s, "refused: release");
    assert!(
        shown
            .last()
            .is_some_and(|l| l.starts_with("refused: release")),
        "{s}"
    );
    assert_eq!(d.state().list().expect("lists").len(), 1, "nothing started");
}

/// A lock left by a dead process of this host (a stale lock), held by carol.
fn stale_lock(d: &Dir) {
    std::fs::create_dir_all(d.path().join(".flightdeck/journal")).expect("mkdir");
    let mut dead = Command::new("true").spawn().expect("true");
    let pid = dead.id();
    dead.wait().expect("reaped");
    let host = flightdeck::journal::lock::hostname();
    d.write(
        ".flightdeck/lock",
        &format!(r#"{{"operator":"carol","host":"{host}","pid":{pid},"started":"2026-11-25T06:00:00.000Z","release":null}}"#),
    );
}

#[test]
fn any_key_but_y_leaves_a_stale_lock_alone() {
    if !need(Component::Tmux) {
        return;
    }
    let d = Dir::new(FLAKY);
    stale_lock(&d);
    let before = std::fs::read_to_string(d.path().join(".flightdeck/lock")).expect("lock");
    let t = Tmux::start(
        d.path(),
        &format!(
            "{} run --operator alice; echo $? > exit.txt; sleep 30",
            bin()
        ),
        120,
        30,
    );
    let s = t.wait_for("Take it over?");
    assert!(
        s.contains("y takes it over · any other key leaves it"),
        "every key is named: {s}"
    );
    t.keys(&["Enter"]);
    assert_eq!(wait_file(&d.path().join("exit.txt")).trim(), "4");
    let s = t.wait_for("refused: a stale lock");
    let shown = lines_through(&s, "refused: a stale lock");
    assert!(
        shown
            .last()
            .is_some_and(|l| l.starts_with("refused: a stale lock")),
        "{s}"
    );
    assert_eq!(
        std::fs::read_to_string(d.path().join(".flightdeck/lock")).expect("lock"),
        before
    );
}

#[test]
fn an_enter_pressed_out_of_habit_after_y_does_not_reach_the_cockpit() {
    if !need(Component::Tmux) {
        return;
    }
    let d = Dir::new(&FLAKY.replace("test -f ok || exit 3; echo fixed", "echo ran > ran.txt"));
    stale_lock(&d);
    let t = Tmux::start(
        d.path(),
        &format!("{} run --operator alice; sleep 30", bin()),
        120,
        30,
    );
    t.wait_for("Take it over?");
    t.keys(&["y", "Enter"]);
    t.wait_for("⏎ runs step");
    std::thread::sleep(std::time::Duration::from_millis(800));
    assert!(
        !d.path().join("ran.txt").exists(),
        "the Enter after y ran step 1:\n{}",
        t.screen()
    );
    t.keys(&["q"]);
}
