//! The cockpit driven by keys in tmux: evidence, run, rollback, resize, quit; the armed banner
//! and its countdown.

use std::path::Path;
use std::time::Duration;

use flightdeck::release::{ReleaseOutcome, ReleasePhase};

use super::{Tmux, bin, wait_file};
use crate::run::Dir;
use crate::skip::{Component, need};

#[test]
fn cockpit_evidence_run_rollback_resize_quit() {
    if !need(Component::Tmux) {
        return;
    }
    let example = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/quickstart/flightdeck.toml"),
    )
    .expect("the quickstart example");
    let d = Dir::new(&example);
    let t = Tmux::start(
        d.path(),
        &format!("{} run --operator alice; echo $? > exit.txt", bin()),
        100,
        30,
    );
    let s = t.wait_for("⏎ runs step");
    assert!(s.contains("web → staging · v1.4.2"), "{s}");
    assert!(s.contains("Deploy web 1.4.2"), "titles are rendered: {s}");
    assert!(
        !s.contains("deployed.txt"),
        "nothing runs before a key: {s}"
    );
    t.keys(&["Enter"]);
    t.wait_for("Evidence");
    // Required evidence: an empty Enter is refused and the modal stays.
    t.keys(&["Enter"]);
    t.wait_for("Evidence");
    t.text("QA-123 attached");
    t.keys(&["Enter"]);
    t.wait_for("✔ 1");
    t.keys(&["Enter"]);
    let s = t.wait_for("✔ 2");
    assert!(
        s.contains("deploying web part 3"),
        "the deploy output is in the log pane: {s}"
    );
    t.keys(&["R"]);
    let s = t.wait_for("Cancel");
    assert!(
        s.contains("Restore the previous version"),
        "the modal lists the rollback steps: {s}"
    );
    t.keys(&["y"]);
    t.wait_for("rolled back");
    t.resize(80, 24);
    std::thread::sleep(Duration::from_millis(300));
    let s = t.wait_for("rolled back");
    assert!(
        s.lines().all(|l| l.chars().count() <= 80),
        "fits 80 columns:\n{s}"
    );
    assert!(s.contains("Rollback"), "{s}");
    t.keys(&["q"]);
    assert_eq!(wait_file(&d.path().join("exit.txt")).trim(), "3");
    let (records, st) = d.latest();
    assert_eq!(st.phase, ReleasePhase::Finished(ReleaseOutcome::RolledBack));
    assert_eq!(st.steps[0].evidence.as_deref(), Some("QA-123 attached"));
    let lines: Vec<String> = records
        .iter()
        .filter(|r| r.kind.as_str() == "output")
        .flat_map(|r| r.data["lines"].as_array().cloned().unwrap_or_default())
        .filter_map(|l| l.as_str().map(str::to_owned))
        .collect();
    assert!(
        lines.iter().any(|l| l == "deploying web part 2"),
        "{lines:?}"
    );
    assert!(
        lines.iter().any(|l| l == "restored"),
        "the rollback output: {lines:?}"
    );
    assert!(!d.path().join("deployed.txt").exists(), "the rollback ran");
    d.verify_latest();
}

#[test]
fn the_armed_banner_and_countdown_a_key_stops_it_then_r_y_rolls_back() {
    if !need(Component::Tmux) {
        return;
    }
    let d = Dir::new("");
    d.write("rate", "0.0");
    let svc = crate::watch::Service::start(d.path(), "rate");
    d.write(
        "flightdeck.toml",
        &format!(
            r#"
[release]
name = "app"
environment = "staging"
version = "2.0.0"
[[gates]]
id = "error-rate"
kind = "http"
url = "http://127.0.0.1:{}/stats"
json = {{ path = "$.error_rate", condition = "result <= 0.05" }}
interval = "1s"
for = "1s"
[[steps]]
id = "watch"
kind = "watch"
duration = "60s"
triggers = ["error-rate"]
[rollback]
auto = true
auto_delay = "30s"
[[rollback.steps]]
kind = "run"
run = "echo rolled back > rolled.txt"
"#,
            svc.port
        ),
    );
    let t = Tmux::start(
        d.path(),
        &format!("{} run; echo $? > exit.txt", bin()),
        120,
        30,
    );
    t.wait_for("⏎ runs step");
    t.keys(&["Enter"]);
    t.wait_for("✔ error-rate");
    d.write("rate", "0.2");
    let s = t.wait_for("AUTO ROLLBACK in");
    assert!(
        s.contains("ROLLBACK ARMED: trigger error-rate tripped: 0.2 fails `result <= 0.05`"),
        "{s}"
    );
    t.keys(&["j"]);
    let s = t.wait_for("auto rollback stopped");
    assert!(!s.contains("AUTO ROLLBACK in"), "{s}");
    assert!(
        !d.path().join("rolled.txt").exists(),
        "a key stops the countdown"
    );
    t.keys(&["R"]);
    t.wait_for("Cancel");
    t.keys(&["y"]);
    // The finished line (the rollback step's own title also says "rolled back").
    t.wait_for("release rolled back");
    wait_file(&d.path().join("rolled.txt"));
    t.keys(&["q"]);
    assert_eq!(wait_file(&d.path().join("exit.txt")).trim(), "3");
    let (records, _) = d.latest();
    let confirmed = records
        .iter()
        .find(|r| r.kind.as_str() == "rollback-confirmed")
        .expect("confirmed");
    assert_ne!(
        confirmed.data["by"], "auto",
        "the operator confirmed it, not the countdown"
    );
}
