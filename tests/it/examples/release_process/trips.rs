//! Seed 004's production trips: 1.2.0's error rate (then `report --incident`), 1.2.1's p99
//! and 1.2.2's health; each is rolled back with its migration, anchored, and notified.

use flightdeck::release::{ReleaseOutcome, ReleasePhase};

use super::super::support::{get, secs, wait_for};
use super::{Setup, anchored, live_version, run, tags, verify};
use crate::run::{Dir, out};

pub(super) fn production_1_2_0_rolls_back(d: &Dir, s: &Setup) {
    let o = run(
        d,
        s,
        "staging",
        &["--release-version", "1.2.0", "--set", "vars.watch=5s"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    assert_eq!(s.columns("staging"), "id,email,plan");
    // A fault that only production traffic shows.
    std::fs::write(d.path().join("faults/1.2.0"), "0.3").unwrap();
    let o = run(
        d,
        s,
        "production",
        &[
            "--release-version",
            "1.2.0",
            "--set",
            "vars.watch=90s",
            "--set",
            "vars.error_window=15s",
        ],
    );
    assert_eq!(o.status.code(), Some(3), "{}", out(&o));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("trigger error-rate tripped"), "{text}");
    assert!(
        text.contains("migrated up: schema 1.1.0 -> 1.2.0"),
        "{text}"
    );
    assert!(
        text.contains("migrated down: schema 1.2.0 -> 1.1.0"),
        "{text}"
    );
    assert_eq!(live_version(s.prod).as_deref(), Some("1.1.0"));
    assert_eq!(s.schema("production"), "1.1.0", "migrated down");
    assert_eq!(
        s.columns("production"),
        "id,email",
        "1.2.0's column is gone"
    );
    let t = tags(d);
    assert!(
        !t.contains("\nv1.2.0"),
        "no tag for a rolled-back release: {t}"
    );
    let (records, st) = d.latest();
    assert_eq!(st.phase, ReleasePhase::Finished(ReleaseOutcome::RolledBack));
    let confirmed = records
        .iter()
        .find(|r| r.kind.as_str() == "rollback-confirmed")
        .expect("confirmed");
    assert_eq!(confirmed.data["target"], "v1.1.0");
    d.verify_latest();
    anchored(d, s);
    verify(d, s);
    assert!(!s.origin.has("refs/tags/v1.2.0"), "no tag pushed");
    let tripped = s.hook.wait("trigger-tripped", "1.2.0");
    assert_eq!(tripped["step"], "monitor", "{tripped}");
    assert_eq!(tripped["environment"], "production", "{tripped}");
    assert!(
        tripped["message"].as_str().unwrap().contains("error-rate"),
        "{tripped}"
    );
    s.hook.wait("rollback-armed", "1.2.0");
    s.hook.wait("release-rolled-back", "1.2.0");

    let rep = d
        .cmd(&["report", "--incident", "-o", "incident.md"])
        .timeout(secs(30))
        .output()
        .unwrap();
    assert_eq!(rep.status.code(), Some(0), "{}", out(&rep));
    let report = std::fs::read_to_string(d.path().join("incident.md")).unwrap();
    for want in ["## Timeline", "error-rate", "## Root Cause", "1.2.0"] {
        assert!(report.contains(want), "missing `{want}`:\n{report}");
    }
}

/// Waits until `job` answered no 5xx in the last 15 s (Prometheus): the error-rate trigger,
/// over a 15 s window, then measures this release alone.
fn no_recent_errors(s: &Setup, job: &str) {
    let q = format!(
        "/api/v1/query?query=sum(rate(http_requests_total%7Bjob%3D%22{job}%22%2Ccode%3D~%225..%22%7D%5B15s%5D))"
    );
    wait_for(secs(90), &format!("no 5xx in 15 s from {job}"), || {
        get(s.prom, &q).is_some_and(|b| b.contains("\"0\"]"))
    });
}

/// `version` through staging (the fault files come after it).
fn stage(d: &Dir, s: &Setup, version: &str) {
    no_recent_errors(s, "m2-platform-staging");
    let o = run(
        d,
        s,
        "staging",
        &[
            "--release-version",
            version,
            "--set",
            "vars.watch=5s",
            "--set",
            "vars.error_window=15s",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
}

/// Production of `version` with `--set` values: it must roll back on `trigger`.
fn production_trips(d: &Dir, s: &Setup, version: &str, trigger: &str, sets: &[&str]) -> String {
    no_recent_errors(s, "m2-platform");
    let mut args = vec![
        "--release-version",
        version,
        "--set",
        "vars.error_window=15s",
    ];
    for v in sets {
        args.extend(["--set", v]);
    }
    let o = run(d, s, "production", &args);
    assert_eq!(o.status.code(), Some(3), "{}", out(&o));
    let text = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(
        text.contains(&format!("trigger {trigger} tripped")),
        "{trigger}: {text}"
    );
    assert_eq!(live_version(s.prod).as_deref(), Some("1.1.0"));
    assert_eq!(s.schema("production"), "1.1.0", "migrated down");
    let (records, st) = d.latest();
    assert_eq!(st.phase, ReleasePhase::Finished(ReleaseOutcome::RolledBack));
    assert!(
        records
            .iter()
            .any(|r| r.kind.as_str() == "trigger-tripped" && r.data.to_string().contains(trigger))
    );
    let tripped = s.hook.wait("trigger-tripped", version);
    assert!(
        tripped["message"].as_str().unwrap().contains(trigger),
        "{tripped}"
    );
    s.hook.wait("release-rolled-back", version);
    anchored(d, s);
    text
}

/// 1.2.1 answers `/slow` in 2.5 s in production: the p99 of 100 timed requests is over 2 s.
pub(super) fn p99_trips(d: &Dir, s: &Setup) {
    stage(d, s, "1.2.1");
    std::fs::write(d.path().join("faults/1.2.1.delay_ms"), "2500").unwrap();
    let text = production_trips(d, s, "1.2.1", "p99", &["vars.watch=90s"]);
    assert!(text.contains("over 100 requests"), "{text}");
}

/// 1.2.2's `/health` goes down once the production watch runs: down for 5 s trips it.
pub(super) fn health_trips(d: &Dir, s: &Setup) {
    stage(d, s, "1.2.2");
    let journals = d.path().join(".flightdeck/journal");
    let before: Vec<_> = std::fs::read_dir(&journals)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    let down = d.path().join("faults/1.2.2.down");
    let watcher = std::thread::spawn(move || {
        let deadline = std::time::Instant::now() + secs(170);
        while std::time::Instant::now() < deadline {
            let watching = std::fs::read_dir(&journals).unwrap().any(|e| {
                let p = e.unwrap().path();
                !before.contains(&p)
                    && std::fs::read_to_string(&p).is_ok_and(|t| {
                        t.lines()
                            .any(|l| l.contains("step-started") && l.contains("\"monitor\""))
                    })
            });
            if watching {
                std::fs::write(&down, "").unwrap();
                return true;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        false
    });
    let text = production_trips(
        d,
        s,
        "1.2.2",
        "health",
        &["vars.watch=90s", "vars.health_for=5s"],
    );
    assert!(watcher.join().unwrap(), "the watch started");
    assert!(text.contains("health: 503"), "{text}");
}
