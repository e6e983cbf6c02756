//! Tests of the report's "Triggers" section: chart paths, file names, and `collect` over a
//! journal written with the project's writer.
#![allow(clippy::unwrap_used)]

use super::*;

#[test]
fn charts_go_beside_the_report() {
    let c = Charts::beside(Path::new("/tmp/out/release 1.md"));
    assert_eq!(c.dir, Path::new("/tmp/out/release 1-charts"));
    assert_eq!(c.link, "release 1-charts");
    let c = Charts::beside(Path::new("r.md"));
    assert_eq!(c.dir, Path::new("r-charts"));
    assert_eq!(
        link_path("release 1-charts/a.svg"),
        "release%201-charts/a.svg"
    );
}

#[test]
fn file_names_are_safe() {
    assert_eq!(file_name("error-rate"), "error-rate.svg");
    assert_eq!(file_name("../p99 ms"), "_p99_ms.svg");
    assert_eq!(file_name("..x"), "x.svg");
}

/// A runbook with a prometheus trigger `error-rate` watched by `soak`.
const RUNBOOK: &str = r#"
[release]
name = "app"
environment = "staging"
version = "2.0.0"

[[gates]]
id = "error-rate"
kind = "prometheus"
server = "http://127.0.0.1:9090"
query = "up"
failure_condition = "result > 0.05"

[[steps]]
id = "pre"
kind = "gates"
gates = ["error-rate"]

[[steps]]
id = "soak"
kind = "watch"
duration = "60s"
triggers = ["error-rate"]

[[rollback.steps]]
kind = "run"
run = "true"
"#;

/// A journal written with the project's writer: a watch `soak` measuring `error-rate`
/// four times (and a `gates` step measuring it once, which is not a trigger's measurement).
fn write_journal(tmp: &Path) -> (PathBuf, DateTime<Utc>) {
    use crate::journal::{Hasher, Kind, StateDir, Writer};
    use crate::release::{Event, Outcome, Phase, StepInfo};
    let rb = tmp.join("flightdeck.toml");
    std::fs::write(&rb, RUNBOOK).unwrap();
    let dir = StateDir::new(tmp.join(".flightdeck"));
    dir.ensure().unwrap();
    let mut w = Writer::create(&dir, "app-2.0.0-x", Hasher::plain()).unwrap();
    let t0 = DateTime::parse_from_rfc3339("2026-11-25T06:00:00Z")
        .unwrap()
        .with_timezone(&Utc);
    let info = |id: &str, kind: &str, duration_ms| StepInfo {
        id: id.into(),
        title: id.into(),
        kind: kind.parse().unwrap(),
        evidence_required: false,
        approvers: None,
        reason_required: false,
        duration_ms,
        background: false,
        min_approvals: None,
        self_approval: false,
        approval_timeout_ms: None,
        wait_for: Vec::new(),
    };
    let gate = |step: &str, state: &str, value: serde_json::Value| Event::GateResult {
        step: Some(step.into()),
        gate: "error-rate".into(),
        state: state.into(),
        value,
        message: String::new(),
        expected: None,
    };
    let events = [
        (
            0,
            Event::ReleaseStarted {
                release_id: "app-2.0.0-x".into(),
                name: "app".into(),
                environment: "staging".into(),
                version: "2.0.0".into(),
                protected: false,
                runbook: rb.display().to_string(),
                previous: None,
                lkg: None,
                drill: false,
                steps: vec![
                    info("pre", "gates", None),
                    info("soak", "watch", Some(60_000)),
                ],
                rollback_steps: vec![],
                trust: None,
                runbook_sha256: None,
            },
        ),
        (1, gate("pre", "pass", serde_json::json!(0.5))),
        (
            10,
            Event::StepStarted {
                step: "soak".into(),
                phase: Phase::Main,
                attempt: 1,
            },
        ),
        (15, gate("soak", "pass", serde_json::json!(0.01))),
        (25, gate("soak", "pass", serde_json::json!(0.03))),
        (35, gate("soak", "error", serde_json::Value::Null)),
        (45, gate("soak", "fail", serde_json::json!(0.09))),
        (
            70,
            Event::StepFinished {
                step: "soak".into(),
                phase: Phase::Main,
                outcome: Outcome::Succeeded,
                exit_code: None,
                reason: None,
                duration_ms: 60_000,
                captures: BTreeMap::new(),
            },
        ),
    ];
    for (secs, ev) in events {
        let (kind, step, data) = ev.to_parts();
        let kind: Kind = serde_json::from_value(serde_json::json!(kind)).unwrap();
        let at = t0 + chrono::Duration::seconds(secs);
        w.append_at(at, "alice", "host", kind, step.as_deref(), data)
            .unwrap();
    }
    (w.path().to_path_buf(), t0)
}

#[test]
fn collect_reads_the_watch_measurements_and_the_runbooks_threshold() {
    let tmp = tempfile::tempdir().unwrap();
    let (path, t0) = write_journal(tmp.path());
    let src = Source::load(&path, &crate::journal::Hasher::plain()).unwrap();
    let triggers = collect(&src);
    assert_eq!(triggers.len(), 1);
    let t = &triggers[0];
    assert_eq!(
        (t.gate.as_str(), t.steps.as_slice()),
        ("error-rate", &["soak".to_owned()][..])
    );
    assert_eq!(
        t.points.len(),
        4,
        "the gates step's result is not a trigger's"
    );
    let s = t.stats();
    assert_eq!((s.pass, s.warn, s.fail, s.error), (2, 0, 1, 1));
    assert_eq!(
        (s.min, s.median, s.max),
        (Some(0.01), Some(0.03), Some(0.09))
    );
    assert_eq!(
        t.threshold.as_ref().unwrap().condition,
        "fail if result > 0.05"
    );
    assert_eq!(
        (t.start, t.end),
        (
            t0 + chrono::Duration::seconds(10),
            t0 + chrono::Duration::seconds(70)
        )
    );
    let svg = t.svg();
    assert!(
        svg.contains(">1:00<"),
        "the x axis ends with the watch: {svg}"
    );
    assert!(svg.contains(r#"class="threshold""#), "{svg}");

    let mut md = String::new();
    section(
        &mut md,
        &triggers,
        Some(&Charts::beside(Path::new("out/r.md"))),
    );
    assert!(
        md.contains("| `error-rate` | soak | 4 | 2 | 0 | 1 | 1 | 0.01 | 0.03 | 0.09 | 0.09 | `fail if result > 0.05` | - |"),
        "{md}"
    );
    assert!(
        md.contains("![chart of `error-rate`](r-charts/error-rate.svg)"),
        "{md}"
    );
    let charts = Charts::beside(&tmp.path().join("out/r.md"));
    std::fs::create_dir_all(tmp.path().join("out")).unwrap();
    write_charts(&triggers, &charts).unwrap();
    assert_eq!(
        std::fs::read_to_string(tmp.path().join("out/r-charts/error-rate.svg")).unwrap(),
        svg
    );
}
