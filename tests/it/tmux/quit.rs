//! Leaving the cockpit in tmux while a step runs: quit asks first; a hang-up lets the step
//! finish and journals it.

use std::time::{Duration, Instant};

use super::{Tmux, bin, wait_file};
use crate::run::Dir;
use crate::skip::{Component, need};

#[test]
fn quit_while_a_step_runs_asks_first() {
    if !need(Component::Tmux) {
        return;
    }
    let d = Dir::new(
        r#"
[release]
name = "app"
environment = "staging"
version = "1"
[[steps]]
id = "slow"
kind = "run"
run = "echo started; sleep 3; echo finished"
"#,
    );
    let t = Tmux::start(
        d.path(),
        &format!("{} run; echo $? > exit.txt", bin()),
        100,
        30,
    );
    t.wait_for("⏎ runs step");
    t.keys(&["Enter"]);
    t.wait_for("started");
    t.keys(&["q"]);
    t.wait_for("y");
    t.keys(&["n"]);
    std::thread::sleep(Duration::from_millis(200));
    assert!(
        !d.path().join("exit.txt").exists(),
        "n keeps the cockpit open"
    );
    t.wait_for("✔ 1");
    t.keys(&["q"]);
    assert_eq!(wait_file(&d.path().join("exit.txt")).trim(), "0");
}

#[test]
fn a_hang_up_lets_the_running_step_finish_and_journals_it() {
    if !need(Component::Tmux) {
        return;
    }
    let d = Dir::new(
        r#"
[release]
name = "app"
environment = "staging"
version = "1"
[[steps]]
id = "slow"
kind = "run"
run = "echo started; sleep 4; echo made > made.txt; echo marker-line"
[[steps]]
id = "next"
kind = "run"
run = "echo must-not-run > next.txt"
"#,
    );
    let t = Tmux::start(d.path(), &format!("{} run", bin()), 100, 30);
    t.wait_for("⏎ runs step");
    t.keys(&["Enter"]);
    t.wait_for("started");
    std::thread::sleep(Duration::from_secs(1));
    drop(t); // kill-server: the terminal goes away mid-step
    wait_file(&d.path().join("made.txt"));
    let deadline = Instant::now() + Duration::from_secs(10);
    while d.path().join(".flightdeck/lock").exists() {
        assert!(Instant::now() < deadline, "the lock was never released");
        std::thread::sleep(Duration::from_millis(50));
    }
    let (records, st) = d.latest();
    let kinds: Vec<&str> = records.iter().map(|r| r.kind.as_str()).collect();
    assert!(kinds.contains(&"operator-disconnected"), "{kinds:?}");
    assert_eq!(
        st.steps[0].status,
        flightdeck::release::StepStatus::Succeeded
    );
    assert_eq!(
        st.steps[0].output_tail.back().map(String::as_str),
        Some("marker-line")
    );
    assert!(
        !d.path().join("next.txt").exists(),
        "no further step starts"
    );
    d.verify_latest();
    // The next run resumes with the step already done.
    let o = d
        .cmd(&["run", "--plain", "--resume"])
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(0), "{}", crate::run::out(&o));
    assert!(d.path().join("next.txt").exists());
    let (_, st) = d.latest();
    assert_eq!(
        st.steps[0].attempts, 1,
        "the finished step was not run again"
    );
}
