//! Background watches and the warn band end to end (DESIGN.md §10): a background trigger that
//! trips while a later step runs (headless: the journal's order; tmux: the banner over the
//! evidence modal), and a watch that saw warnings, which fails at its end headless unless
//! `[warnings] ack` acknowledges them. Traffic only to 127.0.0.1.

use std::time::{Duration, Instant};

use flightdeck::release::{ReleaseOutcome, ReleasePhase};

use crate::run::{Dir, out};
use crate::watch::Service;

mod cockpit;

/// deploy · soak (background, `alive` = no `tripped` file) · `later` · rollback.
pub(super) fn trip_runbook(later: &str) -> String {
    format!(
        r#"
[release]
name = "app"
environment = "staging"
version = "2.0.0"

[[gates]]
id = "alive"
kind = "command"
run = "test ! -e tripped"
interval = "300ms"

[[steps]]
id = "deploy"
kind = "run"
run = "echo v2 > version.txt"

[[steps]]
id = "soak"
kind = "watch"
duration = "60s"
triggers = ["alive"]
background = true

{later}

[[rollback.steps]]
kind = "run"
run = "echo v1 > version.txt"
"#
    )
}

fn index(
    records: &[flightdeck::journal::Record],
    pred: impl Fn(&flightdeck::journal::Record) -> bool,
) -> usize {
    records.iter().position(pred).expect("record present")
}

#[test]
fn a_background_trigger_trips_while_the_next_step_runs_and_the_rollback_waits_for_it() {
    let d = Dir::new("");
    let later = r#"[[steps]]
id = "work"
kind = "run"
run = "sleep 1; touch tripped; sleep 2; echo work-done""#;
    d.write("flightdeck.toml", &trip_runbook(later));
    d.write("answers.toml", "[rollback]\nconfirm = \"staging\"\n");
    let started = Instant::now();
    let o = d
        .cmd(&["run", "--plain", "--answers", "answers.toml"])
        .env("RUST_BACKTRACE", "0")
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(3), "{}", out(&o));
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "did not wait out the watch"
    );
    assert_eq!(
        std::fs::read_to_string(d.path().join("version.txt"))
            .expect("v")
            .trim(),
        "v1"
    );
    let (records, st) = d.latest();
    assert_eq!(st.phase, ReleasePhase::Finished(ReleaseOutcome::RolledBack));
    let step_is = |r: &flightdeck::journal::Record, kind: &str, step: &str| {
        r.kind.as_str() == kind && r.step.as_deref() == Some(step)
    };
    let work_started = index(&records, |r| step_is(r, "step-started", "work"));
    let soak_started = index(&records, |r| step_is(r, "step-started", "soak"));
    let armed = index(&records, |r| r.kind.as_str() == "rollback-armed");
    let work_done = index(&records, |r| step_is(r, "step-finished", "work"));
    let rb_started = index(&records, |r| r.kind.as_str() == "rollback-started");
    assert!(
        soak_started < work_started,
        "the checklist moved on past the watch"
    );
    assert!(work_started < armed, "the trip came while work ran");
    assert!(armed < work_done, "armed at once, before work finished");
    assert!(
        work_done < rb_started,
        "work finished before the rollback started"
    );
    assert_eq!(records[work_done].data["outcome"], "succeeded");
    let soak_done = records
        .iter()
        .find(|r| step_is(r, "step-finished", "soak"))
        .expect("soak finished");
    assert_eq!(soak_done.data["outcome"], "failed");
    d.verify_latest();
}

/// A background watch of 3 s over the demo service's error rate, with a warn band, then a
/// quick step.
pub(super) fn warn_runbook(port: u16) -> String {
    format!(
        r#"
[release]
name = "app"
environment = "staging"
version = "2.0.0"

[[gates]]
id = "error-rate"
kind = "http"
url = "http://127.0.0.1:{port}/stats"
json = {{ path = "$.error_rate", condition = "result <= 0.05" }}
warn = "result <= 0.01"
interval = "500ms"

[[steps]]
id = "soak"
kind = "watch"
duration = "3s"
triggers = ["error-rate"]
background = true

[[steps]]
id = "after"
kind = "run"
run = "echo after"
"#
    )
}

#[test]
fn headless_warnings_fail_the_watch_at_its_end_without_an_ack() {
    let d = Dir::new("");
    d.write("rate", "0.02");
    let svc = Service::start(d.path(), "rate");
    d.write("flightdeck.toml", &warn_runbook(svc.port));
    let o = d
        .cmd(&["run", "--plain", "--auto-approve"])
        .env("RUST_BACKTRACE", "0")
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(1), "{}", out(&o));
    let (records, st) = d.latest();
    assert_eq!(st.phase, ReleasePhase::InProgress);
    let warns = records
        .iter()
        .filter(|r| r.kind.as_str() == "gate-result" && r.data["state"] == "warn")
        .count();
    assert!(warns >= 2, "journaled as warn: {warns}");
    let soak = records
        .iter()
        .find(|r| r.kind.as_str() == "step-finished" && r.step.as_deref() == Some("soak"))
        .expect("soak finished");
    assert_eq!(soak.data["outcome"], "failed");
    let why = soak.data["reason"].as_str().expect("reason");
    assert!(why.contains("saw warnings (error-rate ×"), "{why}");
    assert!(why.contains("[warnings] ack"), "{why}");
    assert!(
        !records
            .iter()
            .any(|r| r.kind.as_str() == "note" && r.data["action"] == "warnings-ack"),
        "--auto-approve never acknowledges warnings"
    );
}

#[test]
fn headless_warnings_acknowledged_in_the_answers_file_let_the_watch_pass() {
    let d = Dir::new("");
    d.write("rate", "0.02");
    let svc = Service::start(d.path(), "rate");
    d.write("flightdeck.toml", &warn_runbook(svc.port));
    d.write(
        "answers.toml",
        "[warnings]\nack = \"2% from the nightly batch, known\"\n",
    );
    let started = Instant::now();
    let o = d
        .cmd(&["run", "--plain", "--answers", "answers.toml"])
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    assert!(
        started.elapsed() >= Duration::from_secs(3),
        "waited for the watch"
    );
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("waiting for background watch soak: 0:0"),
        "the plain lines say what the release waits for: {text}"
    );
    assert!(text.contains("(in the background"), "{text}");
    let (records, st) = d.latest();
    assert_eq!(st.phase, ReleasePhase::Finished(ReleaseOutcome::Completed));
    let ack = index(&records, |r| {
        r.kind.as_str() == "note" && r.data["action"] == "warnings-ack"
    });
    assert!(
        records[ack].data["text"]
            .as_str()
            .is_some_and(|t| t.starts_with("2% from the nightly batch")),
        "{:?}",
        records[ack].data
    );
    assert_eq!(records[ack].step.as_deref(), Some("soak"));
    let after_done = index(&records, |r| {
        r.kind.as_str() == "step-finished" && r.step.as_deref() == Some("after")
    });
    let soak_done = index(&records, |r| {
        r.kind.as_str() == "step-finished" && r.step.as_deref() == Some("soak")
    });
    let finished = index(&records, |r| r.kind.as_str() == "release-finished");
    assert!(
        after_done < soak_done,
        "the next step ran while the watch ran"
    );
    assert!(
        ack < soak_done && soak_done < finished,
        "ack, then pass, then complete"
    );
    assert_eq!(records[soak_done].data["outcome"], "succeeded");
    d.verify_latest();
}

#[test]
fn a_resumed_release_restarts_its_background_watch_for_the_time_it_had_left() {
    let d = Dir::new(
        r#"
[release]
name = "app"
environment = "staging"
version = "1.0.0"

[[gates]]
id = "alive"
kind = "command"
run = "true"
interval = "500ms"

[[steps]]
id = "soak"
kind = "watch"
duration = "12s"
triggers = ["alive"]
background = true

[[steps]]
id = "slow"
kind = "run"
run = "echo $$ > slow.pid; echo begun; sleep 60"
"#,
    );
    let bin = assert_cmd::cargo::cargo_bin("flightdeck");
    let mut child = std::process::Command::new(bin)
        .current_dir(d.path())
        .args(["run", "--plain"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn");
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        assert!(Instant::now() < deadline, "step `slow` never started");
        if let Ok(p) = d.state().resolve("latest")
            && std::fs::read_to_string(&p).is_ok_and(|t| t.contains("\"begun\""))
        {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_secs(4));
    child.kill().expect("kill -9");
    child.wait().expect("reaped");
    if let Ok(pid) = std::fs::read_to_string(d.path().join("slow.pid"))
        && let Ok(pid) = pid.trim().parse::<i32>()
    {
        let _ = nix::sys::signal::killpg(
            nix::unistd::Pid::from_raw(pid),
            nix::sys::signal::Signal::SIGKILL,
        );
    }
    let (_, st) = d.latest();
    assert_eq!(
        st.steps[0].status,
        flightdeck::release::StepStatus::Running,
        "replay rebuilds the background watch running"
    );
    d.write(
        "answers.toml",
        "[resume]\ninterrupted = \"mark-done\"\nnote = \"checked: slow had finished\"\n",
    );
    let started = Instant::now();
    let o = d
        .cmd(&[
            "run",
            "--plain",
            "--resume",
            "--take-over",
            "--answers",
            "answers.toml",
        ])
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    let took = started.elapsed();
    assert!(
        took < Duration::from_secs(10),
        "only the time left: {took:?}"
    );
    let (records, st) = d.latest();
    assert_eq!(st.phase, ReleasePhase::Finished(ReleaseOutcome::Completed));
    let resumed = records
        .iter()
        .find(|r| r.kind.as_str() == "note" && r.data["action"] == "watch-resumed")
        .expect("a watch-resumed note");
    assert!(
        resumed.data["text"]
            .as_str()
            .is_some_and(|t| t.starts_with("background watch resumed: 0:0")),
        "{:?}",
        resumed.data
    );
    let soak_done = records
        .iter()
        .rfind(|r| r.kind.as_str() == "step-finished" && r.step.as_deref() == Some("soak"))
        .expect("soak finished");
    assert_eq!(soak_done.data["outcome"], "succeeded");
    d.verify_latest();
}

#[test]
fn status_json_reports_a_pass_in_the_warn_band_as_warn() {
    let d = Dir::new("");
    d.write("rate", "0.02");
    let svc = Service::start(d.path(), "rate");
    d.write("flightdeck.toml", &warn_runbook(svc.port));
    let o = d.cmd(&["status", "--json"]).output().expect("runs");
    assert_eq!(
        o.status.code(),
        Some(0),
        "a warning is no failure: {}",
        out(&o)
    );
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(doc["gates"][0]["id"], "error-rate");
    assert_eq!(doc["gates"][0]["state"], "warn", "{doc}");
    d.write("rate", "0.001");
    let o = d.cmd(&["status", "--json"]).output().expect("runs");
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(doc["gates"][0]["state"], "pass", "{doc}");
}
