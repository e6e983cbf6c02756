//! Other operators in tmux: a read-only observer, a stale lock taken over, the warning over SSH
//! without tmux.

use std::process::Command;
use std::time::{Duration, Instant};

use super::{Tmux, bin};
use crate::run::Dir;
use crate::skip::{Component, need};

#[test]
fn observe_follows_a_release_read_only() {
    if !need(Component::Tmux) {
        return;
    }
    let d = Dir::new(
        r#"
[release]
name = "shop"
environment = "staging"
version = "3.1.0"
[[steps]]
id = "prep"
kind = "run"
run = "echo preparing"
[[steps]]
id = "wait"
kind = "run"
run = "echo waiting for go; while [ ! -f go ]; do sleep 0.1; done; echo went"
[[rollback.steps]]
kind = "run"
run = "echo rolled back > rolled.txt"
"#,
    );
    let mut run = Command::new(bin())
        .current_dir(d.path())
        .args(["run", "--plain", "--operator", "carol"])
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("run starts");
    let journal = || {
        d.state()
            .resolve("latest")
            .ok()
            .and_then(|p| std::fs::read_to_string(p).ok())
            .unwrap_or_default()
    };
    let deadline = Instant::now() + Duration::from_secs(10);
    // The step's own output line (not the `$ echo …` command line).
    while !journal().contains("[\"waiting for go\"]") {
        assert!(
            Instant::now() < deadline,
            "the release never reached step 2"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let t = Tmux::start(d.path(), &format!("{} observe; sleep 30", bin()), 100, 24);
    let s = t.wait_for("OBSERVING carol's release");
    assert!(s.contains("shop → staging · v3.1.0"), "{s}");
    assert!(s.contains("✔ 1"), "{s}");
    assert!(s.contains("▶ 2"), "{s}");
    let before = journal();
    t.keys(&["Enter", "R", "y", "x", "y"]);
    t.wait_for("read-only");
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(journal(), before, "observe never writes the journal");
    assert!(
        !d.path().join("rolled.txt").exists(),
        "R does nothing in observe"
    );
    d.write("go", "");
    t.wait_for("release completed");
    t.wait_for("✔ 2");
    assert!(run.wait().expect("run ends").success());
    t.keys(&["q"]);
}

#[test]
fn a_stale_lock_is_taken_over_after_y_in_the_cockpit() {
    if !need(Component::Tmux) {
        return;
    }
    let d = Dir::new(
        "[release]\nname = \"app\"\nenvironment = \"staging\"\nversion = \"1\"\n[[steps]]\nid = \"a\"\nkind = \"run\"\nrun = \"echo hi\"\n",
    );
    std::fs::create_dir_all(d.path().join(".flightdeck/journal")).expect("mkdir");
    // A finished process: its pid is dead on this host, so the lock is stale.
    let mut dead = Command::new("true").spawn().expect("true");
    let pid = dead.id();
    dead.wait().expect("reaped");
    let host = flightdeck::journal::lock::hostname();
    d.write(
        ".flightdeck/lock",
        &format!(r#"{{"operator":"carol","host":"{host}","pid":{pid},"started":"2026-11-25T06:00:00.000Z","release":null}}"#),
    );
    let t = Tmux::start(
        d.path(),
        &format!("{} run --operator alice; sleep 30", bin()),
        120,
        30,
    );
    let s = t.wait_for("Take it over?");
    assert!(s.contains("carol"), "the prompt names the holder: {s}");
    t.keys(&["y"]);
    t.wait_for("⏎ runs step");
    let (records, _) = d.latest();
    let taken = records
        .iter()
        .find(|r| r.kind.as_str() == "lock-taken-over")
        .expect("journaled");
    assert!(
        taken.data["previous_holder"]
            .as_str()
            .unwrap_or_default()
            .contains("carol")
    );
    t.keys(&["q"]);
}

#[test]
fn over_ssh_without_tmux_a_protected_release_warns_in_the_header() {
    if !need(Component::Tmux) {
        return;
    }
    let d = Dir::new(
        "[release]\nname = \"app\"\nenvironment = \"production\"\nversion = \"1\"\n[[steps]]\nid = \"a\"\nkind = \"run\"\nrun = \"echo hi\"\n",
    );
    let t = Tmux::start(
        d.path(),
        &format!(
            "env -u TMUX -u STY SSH_CONNECTION='127.0.0.1 50000 127.0.0.1 22' {} run; sleep 30",
            bin()
        ),
        120,
        30,
    );
    let s = t.wait_for("⏎ runs step");
    assert!(
        s.contains("over SSH without tmux/screen: a dropped connection pauses the release"),
        "{s}"
    );
    assert!(s.contains("PRODUCTION"), "{s}");
    t.keys(&["q"]);
}
