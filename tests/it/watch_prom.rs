//! Triggers from a real Prometheus (Debian's, on 127.0.0.1, scraping the demo service every
//! second): a 20 % error rate trips `for = "6s"` and the auto rollback runs (exit 3); with
//! Prometheus stopped mid-watch the trigger becomes inconclusive and no rollback ever runs.

use std::time::{Duration, Instant};

use crate::gates::prometheus::Prometheus;
use crate::gates::support::Demo;
use crate::run::{Dir, out};
use crate::skip::{Component, need_all};

fn runbook(prom: u16) -> String {
    format!(
        r#"
[release]
name = "shop"
environment = "staging"
version = "2.0.0"

[[gates]]
id = "error-rate"
kind = "prometheus"
server = "http://127.0.0.1:{prom}"
query = 'sum(rate(http_requests_total{{code="500"}}[10s])) / sum(rate(http_requests_total[10s]))'
failure_condition = "result > 0.05"
interval = "2s"
for = "6s"
initial_delay = "2s"
consecutive_error_limit = 4

[[steps]]
id = "watch"
kind = "watch"
duration = "120s"
triggers = ["error-rate"]

[rollback]
auto = true
auto_delay = "3s"

[[rollback.steps]]
kind = "run"
run = "echo rolled back > rolled.txt"
"#
    )
}

/// Wait until Prometheus answers the query with data (so the watch starts on real numbers).
fn wait_for_data(prom: u16) {
    let url = format!(
        "http://127.0.0.1:{prom}/api/v1/query?query=sum(rate(http_requests_total%5B10s%5D))"
    );
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let body = std::process::Command::new("busybox")
            .args(["wget", "-q", "-O-", &url])
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
            .unwrap_or_default();
        if body.contains("\"value\"") {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "Prometheus never had data: {body}"
        );
        std::thread::sleep(Duration::from_millis(500));
    }
}

/// Run the binary in `d` on a thread of its own; join for its output.
fn spawn_run(
    d: &Dir,
    args: &[&str],
) -> std::thread::JoinHandle<std::io::Result<std::process::Output>> {
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("flightdeck"));
    cmd.current_dir(d.path()).args(args);
    std::thread::spawn(move || cmd.output())
}

fn journal_text(d: &Dir) -> String {
    d.state()
        .resolve("latest")
        .ok()
        .and_then(|p| std::fs::read_to_string(p).ok())
        .unwrap_or_default()
}

#[test]
fn a_prometheus_error_rate_trips_and_the_auto_rollback_runs() {
    if !need_all(&[Component::Prometheus, Component::Busybox]) {
        return;
    }
    let d = Dir::new("");
    d.write("rate", "0.0");
    let demo = Demo::start(&[
        "--fail-rate-file",
        &d.path().join("rate").display().to_string(),
    ]);
    let prom = Prometheus::start(d.path(), demo.port);
    wait_for_data(prom.port);
    d.write("flightdeck.toml", &runbook(prom.port));
    let runner = spawn_run(&d, &["run", "--plain", "--auto-approve"]);
    // Switch to 20 % errors once the watch has measured a pass.
    let deadline = Instant::now() + Duration::from_secs(60);
    while !journal_text(&d).contains("\"state\":\"pass\"") {
        assert!(
            Instant::now() < deadline,
            "no passing measurement:\n{}",
            journal_text(&d)
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    d.write("rate", "0.2");
    let switched = chrono::Utc::now();
    let o = runner.join().expect("joined").expect("runs");
    assert_eq!(o.status.code(), Some(3), "{}", out(&o));
    assert!(d.path().join("rolled.txt").exists());
    let (records, _) = d.latest();
    let tripped = records
        .iter()
        .find(|r| r.kind.as_str() == "trigger-tripped")
        .expect("tripped");
    let at = chrono::DateTime::parse_from_rfc3339(&tripped.ts).expect("ts");
    let after = (at.with_timezone(&chrono::Utc) - switched).num_milliseconds();
    // for (6 s) + 2 × interval (4 s) = 10 s (measured here: about 8 s), plus one scrape of
    // slack for a loaded machine.
    eprintln!("tripped {after} ms after the switch");
    assert!(after <= 12_000, "tripped {after} ms after the switch");
    let m = tripped.data["measurements"]
        .as_array()
        .expect("measurements");
    assert!(
        m.iter()
            .any(|x| x["verdict"] == "fail" && x["value"].as_f64().unwrap_or(0.0) > 0.05),
        "{m:?}"
    );
    let confirmed = records
        .iter()
        .find(|r| r.kind.as_str() == "rollback-confirmed")
        .expect("confirmed");
    assert_eq!(confirmed.data["by"], "auto");
    d.verify_latest();
}

#[test]
fn prometheus_stopped_mid_watch_is_inconclusive_and_never_rolls_back() {
    if !need_all(&[Component::Prometheus, Component::Busybox]) {
        return;
    }
    let d = Dir::new("");
    d.write("rate", "0.0");
    let demo = Demo::start(&[
        "--fail-rate-file",
        &d.path().join("rate").display().to_string(),
    ]);
    let mut prom = Prometheus::start(d.path(), demo.port);
    wait_for_data(prom.port);
    d.write("flightdeck.toml", &runbook(prom.port));
    d.write("answers.toml", "[rollback]\nconfirm = \"staging\"\n");
    let runner = spawn_run(
        &d,
        &[
            "run",
            "--plain",
            "--auto-approve",
            "--answers",
            "answers.toml",
        ],
    );
    let deadline = Instant::now() + Duration::from_secs(60);
    while !journal_text(&d).contains("\"state\":\"pass\"") {
        assert!(Instant::now() < deadline, "no passing measurement");
        std::thread::sleep(Duration::from_millis(100));
    }
    let _ = prom.child.kill();
    let _ = prom.child.wait();
    let o = runner.join().expect("joined").expect("runs");
    assert_eq!(o.status.code(), Some(1), "{}", out(&o));
    let (records, _) = d.latest();
    assert!(
        records
            .iter()
            .any(|r| r.kind.as_str() == "trigger-inconclusive")
    );
    assert!(
        !records
            .iter()
            .any(|r| r.kind.as_str().starts_with("rollback")),
        "no rollback ever runs by itself"
    );
    assert!(!d.path().join("rolled.txt").exists());
}
