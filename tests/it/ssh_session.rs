//! The cockpit over a real SSH session (the test sshd, `ssh -t` in tmux): a hang-up mid-step
//! (the ssh client killed) lets the step finish, journals `operator-disconnected` and releases
//! the lock; `flightdeck observe` follows the release from a second SSH session.

use std::path::Path;
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

use crate::run::Dir;
use crate::skip::{Component, need};
use crate::sshd::Sshd;
use crate::tmux::{Tmux, bin, wait_file};

/// A tmux window running `ssh -t root@127.0.0.1 'cd DIR && exec flightdeck ARGS'` (the pane's
/// process is the ssh client).
fn over_ssh(sshd: &Sshd, dir: &Path, args: &str) -> Tmux {
    let remote = format!(
        "cd {} && exec {} {args}",
        shlex::try_quote(&dir.display().to_string()).expect("no NUL"),
        bin()
    );
    let cmd = format!(
        "exec {} -t root@127.0.0.1 {}",
        sshd.command_line(),
        shlex::try_quote(&remote).expect("no NUL")
    );
    Tmux::start(dir, &cmd, 100, 30)
}

#[test]
fn killing_the_ssh_client_mid_step_lets_the_step_finish_journals_and_unlocks() {
    if !need(Component::Tmux) {
        return;
    }
    let Some(sshd) = Sshd::start() else { return };
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
    let t = over_ssh(&sshd, d.path(), "run");
    t.wait_for("⏎ runs step");
    t.keys(&["Enter"]);
    t.wait_for("started");
    assert!(
        d.path().join(".flightdeck/lock").exists(),
        "the run holds the lock"
    );
    let client: i32 = t.display("#{pane_pid}").parse().expect("the pane's pid");
    kill(Pid::from_raw(client), Signal::SIGKILL).expect("the ssh client is killed");
    wait_file(&d.path().join("made.txt"));
    let deadline = Instant::now() + Duration::from_secs(10);
    while d.path().join(".flightdeck/lock").exists() {
        assert!(
            Instant::now() < deadline,
            "the lock was never released; sshd:\n{}",
            sshd.log()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let (records, st) = d.latest();
    let disconnected = records
        .iter()
        .find(|r| r.kind.as_str() == "operator-disconnected")
        .unwrap_or_else(|| panic!("no operator-disconnected: {records:?}"));
    assert!(
        disconnected.data["reason"]
            .as_str()
            .is_some_and(|r| !r.is_empty()),
        "{}",
        disconnected.data
    );
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
}

#[test]
fn observe_follows_a_release_from_a_second_ssh_session() {
    if !need(Component::Tmux) {
        return;
    }
    let Some(sshd) = Sshd::start() else { return };
    let d = Dir::new(
        r#"
[release]
name = "shop"
environment = "staging"
version = "3.1.0"
[[steps]]
id = "wait"
kind = "run"
run = "echo waiting for go; while [ ! -f go ]; do sleep 0.1; done; echo went"
"#,
    );
    let operator = over_ssh(&sshd, d.path(), "run --operator carol");
    operator.wait_for("⏎ runs step");
    operator.keys(&["Enter"]);
    operator.wait_for("waiting for go");
    let observer = over_ssh(&sshd, d.path(), "observe");
    let s = observer.wait_for("OBSERVING carol's release");
    assert!(s.contains("shop → staging · v3.1.0"), "{s}");
    assert!(s.contains("▶ 1"), "{s}");
    d.write("go", "");
    observer.wait_for("release completed");
    operator.wait_for("✔ 1");
    observer.keys(&["q"]);
    operator.keys(&["q"]);
    let deadline = Instant::now() + Duration::from_secs(10);
    while d.path().join(".flightdeck/lock").exists() {
        assert!(Instant::now() < deadline, "the lock was never released");
        std::thread::sleep(Duration::from_millis(50));
    }
}
