//! The `watch` step end to end against the real demo service: a trip arms and (with
//! `rollback.auto` and `--auto-approve`) runs the rollback; errors make it inconclusive and
//! never roll back; a quiet watch completes.

use std::process::{Child, Command};
use std::time::{Duration, Instant};

use flightdeck::release::{ReleaseOutcome, ReleasePhase};

use crate::run::{Dir, out};

/// The demo service on a free 127.0.0.1 port; killed on drop.
pub struct Service {
    pub port: u16,
    child: Child,
}

impl Service {
    pub fn start(dir: &std::path::Path, rate_file: &str) -> Service {
        let port = free_port();
        let child = Command::new(assert_cmd::cargo::cargo_bin("flightdeck"))
            .current_dir(dir)
            .args([
                "demo-service",
                "--port",
                &port.to_string(),
                "--fail-rate-file",
                rate_file,
            ])
            .spawn()
            .expect("demo-service starts");
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "demo-service never listened");
            std::thread::sleep(Duration::from_millis(50));
        }
        Service { port, child }
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

fn runbook(port: u16, watch: &str, extra_gate: &str) -> String {
    format!(
        r#"
[release]
name = "app"
environment = "staging"
version = "2.0.0"

[vars]
watch = "{watch}"

[[gates]]
id = "error-rate"
kind = "http"
url = "http://127.0.0.1:{port}/stats"
json = {{ path = "$.error_rate", condition = "result <= 0.05" }}
interval = "1s"
for = "2s"
{extra_gate}

[[steps]]
id = "deploy"
kind = "run"
run = "echo v2 > version.txt"

[[steps]]
id = "watch"
kind = "watch"
duration = "{{{{ vars.watch }}}}"
triggers = ["error-rate"]

[rollback]
auto = true
auto_delay = "1s"

[[rollback.steps]]
kind = "run"
run = "echo v1 > version.txt"
"#
    )
}

#[test]
fn a_tripped_trigger_arms_and_auto_rolls_back_with_exit_3() {
    let d = Dir::new("");
    d.write("rate", "0.0");
    let svc = Service::start(d.path(), "rate");
    d.write("flightdeck.toml", &runbook(svc.port, "30s", ""));
    let path = d.path().to_path_buf();
    let flip = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_secs(2));
        std::fs::write(path.join("rate"), "0.2").expect("flip");
    });
    let started = Instant::now();
    let o = d
        .cmd(&["run", "--plain", "--auto-approve"])
        .output()
        .expect("runs");
    flip.join().expect("flipped");
    assert_eq!(o.status.code(), Some(3), "{}", out(&o));
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "tripped well before the watch ended"
    );
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("trigger error-rate tripped:"), "{text}");
    assert!(text.contains("auto rollback in 1s"), "{text}");
    assert_eq!(
        std::fs::read_to_string(d.path().join("version.txt"))
            .expect("v")
            .trim(),
        "v1"
    );
    let (records, st) = d.latest();
    assert_eq!(st.phase, ReleasePhase::Finished(ReleaseOutcome::RolledBack));
    let tripped = records
        .iter()
        .find(|r| r.kind.as_str() == "trigger-tripped")
        .expect("tripped");
    let m = tripped.data["measurements"]
        .as_array()
        .expect("measurements");
    assert!(m.iter().any(|x| x["verdict"] == "fail"), "{m:?}");
    assert!(
        m.iter().any(|x| x["verdict"] == "pass"),
        "the passes before the switch: {m:?}"
    );
    assert!(records.iter().any(|r| r.kind.as_str() == "rollback-armed"));
    let confirmed = records
        .iter()
        .find(|r| r.kind.as_str() == "rollback-confirmed")
        .expect("confirmed");
    assert_eq!(confirmed.data["by"], "auto");
    d.verify_latest();
}

#[test]
fn an_inconclusive_trigger_never_rolls_back() {
    let d = Dir::new("");
    let dead = free_port();
    let rb = runbook(
        dead,
        "30s",
        "consecutive_error_limit = 1\ntimeout = \"500ms\"",
    );
    d.write("flightdeck.toml", &rb);
    d.write("answers.toml", "[rollback]\nconfirm = \"staging\"\n");
    let o = d
        .cmd(&[
            "run",
            "--plain",
            "--auto-approve",
            "--answers",
            "answers.toml",
        ])
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(1), "{}", out(&o));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("inconclusive"), "{text}");
    assert_eq!(
        std::fs::read_to_string(d.path().join("version.txt"))
            .expect("v")
            .trim(),
        "v2"
    );
    let (records, st) = d.latest();
    assert!(
        records
            .iter()
            .any(|r| r.kind.as_str() == "trigger-inconclusive")
    );
    assert!(
        !records
            .iter()
            .any(|r| r.kind.as_str().starts_with("rollback"))
    );
    assert_eq!(st.phase, ReleasePhase::InProgress);
}

#[test]
fn a_quiet_watch_completes_when_its_duration_ends() {
    let d = Dir::new("");
    d.write("rate", "0.0");
    let svc = Service::start(d.path(), "rate");
    d.write("flightdeck.toml", &runbook(svc.port, "15m", ""));
    let started = Instant::now();
    let o = d
        .cmd(&["run", "--plain", "--set", "vars.watch=3s"])
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    assert!(started.elapsed() >= Duration::from_secs(3));
    let (records, _) = d.latest();
    let results = records
        .iter()
        .filter(|r| r.kind.as_str() == "gate-result")
        .count();
    assert!(results >= 2, "measured every second: {results}");
}

#[test]
fn the_gates_pane_refreshes_in_the_background_for_display_only() {
    use crate::skip::{Component, need};
    use crate::tmux::{Tmux, bin};
    if !need(Component::Tmux) {
        return;
    }
    let d = Dir::new("");
    d.write("rate", "0.0");
    let svc = Service::start(d.path(), "rate");
    d.write(
        "flightdeck.toml",
        &format!(
            r#"
[release]
name = "app"
environment = "staging"
version = "1"
[[gates]]
id = "error-rate"
kind = "http"
url = "http://127.0.0.1:{}/stats"
json = {{ path = "$.error_rate", condition = "result <= 0.05" }}
interval = "1s"
[[gates]]
id = "side-effect"
kind = "command"
run = "touch ran.txt"
[[steps]]
id = "a"
kind = "run"
run = "echo hi"
"#,
            svc.port
        ),
    );
    let t = Tmux::start(d.path(), &format!("{} run; sleep 30", bin()), 120, 30);
    t.wait_for("✔ error-rate");
    d.write("rate", "0.3");
    t.wait_for("✖ error-rate");
    assert!(
        !d.path().join("ran.txt").exists(),
        "command gates never run in the background"
    );
    let (records, _) = d.latest();
    assert!(
        !records.iter().any(|r| r.kind.as_str() == "gate-result"),
        "background measurements are display only"
    );
    t.keys(&["q"]);
}
