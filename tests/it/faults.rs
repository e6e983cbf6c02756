//! Fault injection, each bounded in time: a step that ignores SIGTERM, a full state-dir
//! filesystem, resize storms and a tiny terminal in tmux, and Prometheus killed mid-watch.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use flightdeck::release::StepStatus;

use crate::gates::prometheus::Prometheus;
use crate::run::{Dir, out};
use crate::skip::{self, Component, need};
use crate::tmux::{Tmux, bin, wait_file};
use crate::watch::Service;

#[test]
fn a_step_ignoring_sigterm_is_killed_with_sigkill_after_the_grace_period() {
    let d = Dir::new(
        r#"
[release]
name = "app"
environment = "staging"
version = "1"
[[steps]]
id = "stubborn"
kind = "run"
run = "trap '' TERM; echo started; sleep 30; echo never"
timeout = "1s"
[[steps]]
id = "after"
kind = "run"
run = "touch after.txt"
"#,
    );
    let started = Instant::now();
    let o = d
        .cmd(&["run", "--plain"])
        .timeout(Duration::from_secs(25))
        .output()
        .expect("runs");
    let took = started.elapsed();
    assert_eq!(o.status.code(), Some(1), "{}", out(&o));
    let grace = flightdeck::exec::command::GRACE;
    assert!(
        took >= grace && took < grace + Duration::from_secs(10),
        "killed after the timeout plus the grace period, took {took:?}"
    );
    assert!(!d.path().join("after.txt").exists(), "no later step ran");
    let (records, st) = d.latest();
    assert!(
        matches!(st.steps[0].status, StepStatus::Failed(_)),
        "{:?}",
        st.steps[0].status
    );
    let finished = records
        .iter()
        .find(|r| r.kind.as_str() == "step-finished")
        .expect("step-finished is journaled");
    let reason = finished.data["reason"].as_str().unwrap_or_default();
    assert!(reason.contains("timed out after 1s"), "{reason}");
    assert!(
        reason.contains("SIGKILL"),
        "the hard kill is journaled: {reason}"
    );
    d.verify_latest();
}

/// A tmpfs mounted at a path for the test; unmounted on drop.
pub struct Tmpfs(PathBuf);

impl Tmpfs {
    /// `None` (the test skipped, `crate::skip`) when not root or the mount is refused.
    pub fn mount(at: &Path, size: &str) -> Option<Tmpfs> {
        if !need(Component::Root) {
            return None;
        }
        std::fs::create_dir_all(at).expect("mount point");
        let o = Command::new("mount")
            .args([
                "-t",
                "tmpfs",
                "-o",
                &format!("size={size},mode=0700"),
                "tmpfs",
            ])
            .arg(at)
            .output()
            .expect("mount runs");
        if !o.status.success() {
            let err = String::from_utf8_lossy(&o.stderr);
            skip::skip(
                Component::Root,
                &format!("cannot mount a tmpfs: {}", err.trim()),
            );
            return None;
        }
        Some(Tmpfs(at.to_owned()))
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

/// A step, then one that prints about 400 KB (more than a 64 KiB state dir holds), then a step
/// that must never run.
pub const FLOOD: &str = r#"
[release]
name = "app"
environment = "staging"
version = "1"
[[steps]]
id = "small"
kind = "run"
run = "echo hello"
[[steps]]
id = "flood"
kind = "run"
run = "i=0; while [ $i -lt 4000 ]; do echo \"flood line $i xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"; i=$((i+1)); done"
[[steps]]
id = "after"
kind = "run"
run = "touch after.txt"
"#;

#[test]
fn a_full_state_dir_refuses_to_advance_and_keeps_earlier_records() {
    let d = Dir::new(FLOOD);
    let Some(_fs) = Tmpfs::mount(&d.path().join(".flightdeck"), "64k") else {
        return;
    };
    let o = d
        .cmd(&["run", "--plain"])
        .timeout(Duration::from_secs(30))
        .output()
        .expect("runs");
    let text = out(&o);
    assert_ne!(o.status.code(), Some(0), "{text}");
    assert!(
        text.contains("No space left on device") || text.contains("disk full"),
        "says why: {text}"
    );
    assert!(
        !d.path().join("after.txt").exists(),
        "no later step ran: {text}"
    );
    let (records, _) = d.latest();
    let kinds: Vec<&str> = records.iter().map(|r| r.kind.as_str()).collect();
    assert_eq!(kinds[0], "release-started", "{kinds:?}");
    assert!(
        records
            .iter()
            .any(|r| r.kind.as_str() == "step-finished" && r.step.as_deref() == Some("small")),
        "the records before the disk filled are kept: {kinds:?}"
    );
    let o = d
        .cmd(&["journal", "verify", "latest"])
        .output()
        .expect("verify runs");
    assert_eq!(
        o.status.code(),
        Some(0),
        "journal verify passes: {}",
        out(&o)
    );
}

#[test]
fn resize_storms_and_a_tiny_terminal_neither_panic_nor_leave_the_terminal_broken() {
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
id = "one"
kind = "run"
run = "echo one"
"#,
    );
    let t = Tmux::start(
        d.path(),
        &format!("{} run; echo $? > exit.txt; sleep 60", bin()),
        100,
        30,
    );
    t.wait_for("⏎ runs step");
    for i in 0u16..150 {
        let (w, h) = match i % 5 {
            0 => (20, 5),
            1 => (200, 60),
            2 => (60 + i % 40, 16 + i % 20),
            3 => (1, 1),
            _ => (80 + i % 7, 24),
        };
        t.resize(w, h);
    }
    t.resize(20, 5);
    let s = t.wait_for("too small");
    assert!(s.lines().all(|l| l.chars().count() <= 20), "{s}");
    std::thread::sleep(Duration::from_millis(300));
    t.resize(100, 30);
    t.wait_for("⏎ runs step");
    assert!(
        !d.path().join("exit.txt").exists(),
        "the cockpit survived the storm"
    );
    // The release finishes, then quits from the tiny terminal (keys work while too small).
    t.keys(&["Enter"]);
    t.wait_for("✔ 1");
    t.resize(20, 5);
    t.wait_for("too small");
    t.keys(&["q"]);
    assert_eq!(wait_file(&d.path().join("exit.txt")).trim(), "0");
    assert_eq!(
        t.display("#{alternate_on}"),
        "0",
        "the alternate screen is left"
    );
    assert_eq!(
        t.display("#{cursor_flag}"),
        "1",
        "the cursor is shown again"
    );
}

/// GET `path` from 127.0.0.1:`port`; the whole response, or empty on any error.
fn get(port: u16, path: &str) -> String {
    let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", port)) else {
        return String::new();
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
    let _ = write!(
        s,
        "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    );
    let mut buf = String::new();
    let _ = s.read_to_string(&mut buf);
    buf
}

fn journal_text(d: &Dir) -> String {
    d.state()
        .resolve("latest")
        .ok()
        .and_then(|p| std::fs::read_to_string(p).ok())
        .unwrap_or_default()
}

/// A deploy, then a 60 s watch whose only trigger is Prometheus's `up` (erroring three times
/// in a row makes it inconclusive), with an automatic rollback.
fn prometheus_watch(port: u16) -> String {
    format!(
        r#"
[release]
name = "app"
environment = "staging"
version = "2.0.0"
[[gates]]
id = "up"
kind = "prometheus"
server = "http://127.0.0.1:{port}"
query = 'up'
success_condition = "result == 1"
interval = "1s"
timeout = "500ms"
consecutive_error_limit = 2
[[steps]]
id = "deploy"
kind = "run"
run = "echo v2 > version.txt"
[[steps]]
id = "watch"
kind = "watch"
duration = "60s"
triggers = ["up"]
[rollback]
auto = true
auto_delay = "1s"
[[rollback.steps]]
kind = "run"
run = "echo v1 > version.txt"
"#
    )
}

/// Wait (at most 30 s) for `child` to exit; killed and a failure after that.
fn wait_exit(child: &mut std::process::Child) -> std::process::ExitStatus {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(s) = child.try_wait().expect("wait") {
            return s;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("flightdeck did not stop within 30 s of Prometheus going away");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn prometheus_killed_during_a_watch_errors_then_is_inconclusive_never_a_rollback() {
    if !need(Component::Prometheus) {
        return;
    }
    let d = Dir::new("");
    d.write("rate", "0.0");
    let svc = Service::start(d.path(), "rate");
    let prom_dir = tempfile::tempdir().expect("tempdir");
    let prom = Prometheus::start(prom_dir.path(), svc.port);
    // Wait (at most 60 s) until Prometheus has scraped the service once.
    let deadline = Instant::now() + Duration::from_secs(60);
    while !get(prom.port, "/api/v1/query?query=up").contains("\"1\"]") {
        assert!(
            Instant::now() < deadline,
            "Prometheus never scraped the service"
        );
        std::thread::sleep(Duration::from_millis(250));
    }
    d.write("flightdeck.toml", &prometheus_watch(prom.port));
    d.write("answers.toml", "[rollback]\nconfirm = \"staging\"\n");
    let stdout = d.path().join("stdout.txt");
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("flightdeck"))
        .current_dir(d.path())
        .env_remove("FLIGHTDECK_JOURNAL_KEY")
        .args([
            "run",
            "--plain",
            "--auto-approve",
            "--answers",
            "answers.toml",
        ])
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&stdout).expect("stdout file"))
        .stderr(Stdio::inherit())
        .spawn()
        .expect("flightdeck starts");
    // The gate passes at least once, then Prometheus goes away.
    let deadline = Instant::now() + Duration::from_secs(30);
    while !journal_text(&d).contains("\"gate-result\"") {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("no gate result within 30 s: {}", journal_text(&d));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    drop(prom);
    let status = wait_exit(&mut child);
    let text = std::fs::read_to_string(&stdout).unwrap_or_default();
    assert_eq!(status.code(), Some(1), "{text}");
    assert!(text.contains("inconclusive"), "{text}");
    let (records, _) = d.latest();
    let kinds: Vec<&str> = records.iter().map(|r| r.kind.as_str()).collect();
    let inconclusive = kinds
        .iter()
        .position(|k| *k == "trigger-inconclusive")
        .unwrap_or_else(|| panic!("inconclusive is journaled: {kinds:?}"));
    let results: Vec<&flightdeck::journal::Record> = records[..inconclusive]
        .iter()
        .filter(|r| r.kind.as_str() == "gate-result")
        .collect();
    let text_of = |r: &flightdeck::journal::Record| r.data.to_string();
    assert!(
        results.iter().any(|r| text_of(r).contains("pass")),
        "a pass before Prometheus went away: {kinds:?}"
    );
    assert!(
        results.iter().any(|r| text_of(r).contains("error")),
        "errors before inconclusive: {:?}",
        results.iter().map(|r| text_of(r)).collect::<Vec<_>>()
    );
    assert!(
        !kinds
            .iter()
            .any(|k| k.starts_with("rollback") || *k == "trigger-tripped"),
        "never a rollback: {kinds:?}"
    );
    assert_eq!(
        std::fs::read_to_string(d.path().join("version.txt"))
            .unwrap_or_default()
            .trim(),
        "v2"
    );
    d.verify_latest();
}
