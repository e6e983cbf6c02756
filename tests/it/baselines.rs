//! Baselines end to end (DESIGN.md §10) against the real demo service: the gate is measured
//! `samples` times right before its step, the median is journaled as a `baseline` record
//! before the step starts, and the trigger judges against it; a baseline that was never
//! taken makes the trigger inconclusive, with the reason.

use std::time::Duration;

use flightdeck::journal::Record;
use flightdeck::release::{ReleaseOutcome, ReleasePhase};

use crate::run::{Dir, out};
use crate::watch::Service;

/// `rate` before the deploy; the deploy writes `after`; the rollback writes `rate` back.
fn runbook(port: u16, rate: &str, after: &str, before: &str) -> String {
    format!(
        r#"
[release]
name = "app"
environment = "staging"
version = "2.0.0"

[[gates]]
id = "errors"
kind = "http"
url = "http://127.0.0.1:{port}/stats"
json = {{ path = "$.error_rate", condition = "result <= baseline * 2 + 0.001" }}
interval = "300ms"
baseline = {{ before = "{before}", samples = 3 }}

[[steps]]
id = "deploy"
kind = "run"
run = "echo {after} > rate"

[[steps]]
id = "soak"
kind = "watch"
duration = "3s"
triggers = ["errors"]

[[steps]]
id = "tag"
kind = "run"
run = "true"

[rollback]
auto = true
auto_delay = "1s"

[[rollback.steps]]
kind = "run"
run = "echo {rate} > rate"
"#
    )
}

fn position(records: &[Record], kind: &str, step: Option<&str>) -> usize {
    records
        .iter()
        .position(|r| r.kind.as_str() == kind && (step.is_none() || r.step.as_deref() == step))
        .unwrap_or_else(|| panic!("no {kind} record for {step:?}"))
}

#[test]
fn a_trigger_trips_relative_to_the_baseline_taken_before_the_deploy() {
    let d = Dir::new("");
    d.write("rate", "0.02");
    let svc = Service::start(d.path(), "rate");
    // 0.05 would pass an absolute `result <= 0.1`; against a baseline of 0.02 it fails.
    d.write(
        "flightdeck.toml",
        &runbook(svc.port, "0.02", "0.05", "deploy"),
    );
    let o = d
        .cmd(&["run", "--plain", "--auto-approve"])
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(3), "{}", out(&o));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("measuring the baseline before step `deploy`"),
        "{text}"
    );
    assert!(
        text.contains("baseline errors = 0.02 before deploy (median of 0.02, 0.02, 0.02)"),
        "{text}"
    );
    let (records, st) = d.latest();
    assert_eq!(st.phase, ReleasePhase::Finished(ReleaseOutcome::RolledBack));
    let b = &records[position(&records, "baseline", Some("deploy"))];
    assert_eq!(b.data["gate"], "errors");
    assert_eq!(b.data["samples"], serde_json::json!([0.02, 0.02, 0.02]));
    assert_eq!(b.data["value"], 0.02);
    assert!(
        position(&records, "baseline", None) < position(&records, "step-started", Some("deploy")),
        "the baseline is taken before the step starts"
    );
    let tripped = &records[position(&records, "trigger-tripped", None)];
    assert_eq!(tripped.data["gate"], "errors");
    assert_eq!(
        tripped.step.as_deref(),
        Some("soak"),
        "the trip names its watch"
    );
    let failing = records
        .iter()
        .find(|r| r.kind.as_str() == "gate-result" && r.data["state"] == "fail")
        .expect("a failed measurement");
    assert_eq!(failing.data["value"], 0.05);
    assert_eq!(st.baselines["errors"].value, Some(0.02));
    d.verify_latest();
    let report = d.cmd(&["report"]).output().expect("report runs");
    let md = String::from_utf8_lossy(&report.stdout);
    assert!(
        md.contains("baseline errors = 0.02 before deploy (median of 0.02, 0.02, 0.02)"),
        "{md}"
    );
}

#[test]
fn the_same_rate_as_the_baseline_passes_where_an_absolute_threshold_would_not() {
    let d = Dir::new("");
    d.write("rate", "0.3");
    let svc = Service::start(d.path(), "rate");
    d.write(
        "flightdeck.toml",
        &runbook(svc.port, "0.3", "0.31", "deploy"),
    );
    let o = d
        .cmd(&["run", "--plain", "--auto-approve"])
        .timeout(Duration::from_secs(60))
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    let (records, st) = d.latest();
    assert_eq!(st.phase, ReleasePhase::Finished(ReleaseOutcome::Completed));
    let passes = records
        .iter()
        .filter(|r| r.kind.as_str() == "gate-result" && r.data["state"] == "pass")
        .count();
    assert!(passes >= 3, "measured and passed against 0.3: {passes}");
    assert!(!records.iter().any(|r| r.kind.as_str() == "trigger-tripped"));
}

#[test]
fn a_baseline_never_taken_makes_the_trigger_inconclusive_with_the_reason() {
    let d = Dir::new("");
    d.write("rate", "0.0");
    let svc = Service::start(d.path(), "rate");
    // The baseline is taken before `tag`, which comes after the watch.
    d.write("flightdeck.toml", &runbook(svc.port, "0.0", "0.0", "tag"));
    let o = d
        .cmd(&["run", "--plain", "--auto-approve"])
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(1), "{}", out(&o));
    let (records, st) = d.latest();
    let inc = &records[position(&records, "trigger-inconclusive", None)];
    assert_eq!(inc.data["gate"], "errors");
    assert_eq!(
        inc.data["message"],
        "baseline for errors was never taken (step tag has not run)"
    );
    assert!(!records.iter().any(|r| r.kind.as_str() == "baseline"));
    assert!(
        !records
            .iter()
            .any(|r| r.kind.as_str().starts_with("rollback"))
    );
    assert_eq!(st.phase, ReleasePhase::InProgress);
}

/// Wait until Prometheus has the error ratio (so the baseline is taken on real numbers).
fn wait_for_ratio(prom: u16) {
    let url = format!(
        "http://127.0.0.1:{prom}/api/v1/query?query=sum(rate(http_requests_total%5B10s%5D))"
    );
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
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
            std::time::Instant::now() < deadline,
            "Prometheus never had data: {body}"
        );
        std::thread::sleep(Duration::from_millis(500));
    }
}

#[test]
fn a_promql_baseline_from_a_real_prometheus_judges_the_soak() {
    use crate::gates::prometheus::Prometheus;
    use crate::gates::support::Demo;
    use crate::skip::{Component, need_all};
    if !need_all(&[Component::Prometheus, Component::Busybox]) {
        return;
    }
    let d = Dir::new("");
    d.write("rate", "0.1");
    let demo = Demo::start(&[
        "--fail-rate-file",
        &d.path().join("rate").display().to_string(),
    ]);
    let prom = Prometheus::start(d.path(), demo.port);
    wait_for_ratio(prom.port);
    let rb = format!(
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
failure_condition = "result > baseline * 2 + 0.02"
interval = "1s"
baseline = {{ before = "deploy", samples = 3 }}

[[steps]]
id = "deploy"
kind = "run"
run = "echo 0.7 > rate"

[[steps]]
id = "soak"
kind = "watch"
duration = "60s"
triggers = ["error-rate"]

[rollback]
auto = true
auto_delay = "1s"

[[rollback.steps]]
kind = "run"
run = "echo 0.1 > rate"
"#,
        prom = prom.port
    );
    d.write("flightdeck.toml", &rb);
    let o = d
        .cmd(&["run", "--plain", "--auto-approve"])
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(3), "{}", out(&o));
    let (records, st) = d.latest();
    let b = &records[position(&records, "baseline", Some("deploy"))];
    assert_eq!(b.data["gate"], "error-rate");
    let samples = b.data["samples"].as_array().expect("samples");
    assert_eq!(samples.len(), 3, "{b:?}");
    let base = b.data["value"].as_f64().expect("a median");
    assert!(
        (0.0..0.3).contains(&base),
        "the ratio at 10 % errors: {base}"
    );
    assert!(
        position(&records, "baseline", None) < position(&records, "step-started", Some("deploy"))
    );
    let failing = records
        .iter()
        .find(|r| r.kind.as_str() == "gate-result" && r.data["state"] == "fail")
        .expect("a failed measurement");
    let v = failing.data["value"].as_f64().expect("a ratio");
    assert!(v > base * 2.0 + 0.02, "{v} against the baseline {base}");
    assert!(records.iter().any(|r| r.kind.as_str() == "trigger-tripped"));
    assert_eq!(st.phase, ReleasePhase::Finished(ReleaseOutcome::RolledBack));
    d.verify_latest();
}

#[test]
fn in_the_cockpit_the_step_waits_for_its_baseline_and_a_skipped_one_is_never_taken() {
    use crate::skip::{Component, need};
    use crate::tmux::{Tmux, bin};
    if !need(Component::Tmux) {
        return;
    }
    let d = Dir::new("");
    d.write("rate", "0.0");
    let svc = Service::start(d.path(), "rate");
    // The watch's gate takes its baseline before `deploy`; a second gate before `prep`
    // takes 3 samples a second apart, long enough to see the guide line.
    let rb = runbook(svc.port, "0.0", "0.0", "deploy").replace(
        "[[steps]]\nid = \"deploy\"",
        "[[gates]]\nid = \"slow\"\nkind = \"http\"\nurl = \"http://127.0.0.1:PORT/stats\"\njson = { path = \"$.error_rate\", condition = \"result <= baseline + 0.1\" }\ninterval = \"1s\"\nbaseline = { before = \"prep\", samples = 3 }\n\n[[steps]]\nid = \"prep\"\nkind = \"run\"\nrun = \"true\"\n\n[[steps]]\nid = \"deploy\"",
    )
    .replace("PORT", &svc.port.to_string());
    d.write("flightdeck.toml", &rb);
    let t = Tmux::start(
        d.path(),
        &format!("{} run --operator alice; sleep 30", bin()),
        120,
        30,
    );
    t.wait_for("⏎ runs step");
    t.keys(&["Enter"]);
    t.wait_for("measuring the baseline before step `prep`");
    t.wait_for("✔ 1");
    // The gates pane judges `slow` with its baseline from now on.
    t.wait_for("✔ slow");
    // Skip the deploy: the baseline taken before it never is.
    t.keys(&["s"]);
    t.wait_for("Why is this step skipped?");
    t.text("hotfix already out");
    t.keys(&["Enter"]);
    t.wait_for("↷");
    t.keys(&["Enter"]);
    t.wait_for("trigger errors inconclusive");
    let (records, st) = d.latest();
    let b = &records[position(&records, "baseline", Some("prep"))];
    assert_eq!(b.data["gate"], "slow");
    assert_eq!(b.data["samples"], serde_json::json!([0.0, 0.0, 0.0]));
    let inc = &records[position(&records, "trigger-inconclusive", None)];
    assert_eq!(
        inc.data["message"],
        "baseline for errors was never taken (step deploy was skipped)"
    );
    assert!(!st.baselines.contains_key("errors"));
}
