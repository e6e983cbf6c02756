//! Seed 004's production trips, each of the background `monitor` watch's three triggers
//! tripping while the post-deploy steps run: 1.2.0's error rate (then `report --incident`),
//! 1.2.1's p99 (the service's latency histogram, under slow traffic this test drives) and
//! 1.2.2's health; each is rolled back with its migration, anchored, and notified (the
//! `trigger-tripped` and `release-rolled-back` payloads checked field by field).

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
    never_tagged(d, s, "1.2.0");
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
    notified(s, "1.2.0", "error-rate");
    s.hook.wait("rollback-armed", "1.2.0");

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

/// The rolled-back `version` was never tagged: its `tag` step (held by `wait_for` until the
/// background watch passed) never started, and no `v{version}` exists here or on origin.
fn never_tagged(d: &Dir, s: &Setup, version: &str) {
    let (records, _) = d.latest();
    assert!(
        !records
            .iter()
            .any(|r| r.kind.as_str() == "step-started" && r.step.as_deref() == Some("tag")),
        "the tag step never started for {version}"
    );
    let t = tags(d);
    assert!(
        !t.lines().any(|l| l == format!("v{version}")),
        "no tag for a rolled-back release: {t}"
    );
    assert!(
        !s.origin.has(&format!("refs/tags/v{version}")),
        "no tag pushed for {version}"
    );
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
    never_tagged(d, s, version);
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
    notified(s, version, trigger);
    anchored(d, s);
    text
}

/// 1.2.1 answers `/slow` in 2.5 s in production. This test sends four clients' worth of
/// `/slow` requests to production during the run (about 1.6 a second beside the service's 20
/// a second of synthetic traffic): once 1.2.1 serves them, over 1 % of the requests in the
/// histogram take more than 2 s and its p99 trips.
pub(super) fn p99_trips(d: &Dir, s: &Setup) {
    stage(d, s, "1.2.1");
    std::fs::write(d.path().join("faults/1.2.1.delay_ms"), "2500").unwrap();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let port = s.prod;
    let clients: Vec<_> = (0..4)
        .map(|_| {
            let stop = stop.clone();
            std::thread::spawn(move || {
                let deadline = std::time::Instant::now() + secs(200);
                while !stop.load(std::sync::atomic::Ordering::Relaxed)
                    && std::time::Instant::now() < deadline
                {
                    if get(port, "/slow").is_none() {
                        std::thread::sleep(std::time::Duration::from_millis(100));
                    }
                }
            })
        })
        .collect();
    let text = production_trips(d, s, "1.2.1", "p99", &["vars.watch=90s"]);
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for c in clients {
        c.join().unwrap();
    }
    let p99 = measured(&text, "p99");
    assert!(p99 > 2.0 && p99 <= 10.0, "p99 {p99}: {text}");
    assert!(text.contains("meets `result > 2`"), "{text}");
    // Back on 1.1.0 with the slow clients gone, the p99 over 15 s falls below 2 s again.
    let q = "/api/v1/query?query=histogram_quantile(0.99%2Csum%20by%20(le)%20(rate(http_request_duration_seconds_bucket%7Bjob%3D%22m2-platform%22%7D%5B15s%5D)))";
    wait_for(secs(60), "production's p99 below 2 s again", || {
        get(s.prom, q).is_some_and(|b| {
            b.split("\"value\":[")
                .nth(1)
                .and_then(|v| v.split('"').nth(1))
                .and_then(|v| v.parse::<f64>().ok())
                .is_some_and(|v| v < 2.0)
        })
    });
}

/// The last number `gate` was measured at in the plain output (`✔ gate: 0.05 …`, `✖ gate: …`
/// or `trigger gate tripped: 2.4 …`).
pub(super) fn measured(text: &str, gate: &str) -> f64 {
    let tripped = format!("trigger {gate} tripped: ");
    let marks = [format!("✔ {gate}: "), format!("✖ {gate}: "), tripped];
    text.lines()
        .rev()
        .find_map(|l| {
            let rest = marks.iter().find_map(|m| l.split_once(m.as_str()))?.1;
            rest.split_whitespace().next()?.parse::<f64>().ok()
        })
        .unwrap_or_else(|| panic!("no measurement of {gate} in\n{text}"))
}

/// The webhook heard `trigger` trip in production's `version` and the rolled-back release:
/// the payloads name the release, version, environment, watch step and trigger.
fn notified(s: &Setup, version: &str, trigger: &str) {
    let tripped = s.hook.wait("trigger-tripped", version);
    assert_eq!(tripped["release"], "m2-platform", "{tripped}");
    assert_eq!(tripped["environment"], "production", "{tripped}");
    assert_eq!(tripped["step"], "monitor", "{tripped}");
    let id = tripped["release_id"].as_str().unwrap_or_default();
    assert!(
        id.starts_with(&format!("m2-platform-{version}-")),
        "{tripped}"
    );
    let message = tripped["message"].as_str().unwrap_or_default();
    assert!(
        message.starts_with(&format!("trigger {trigger} tripped")),
        "{tripped}"
    );
    let done = s.hook.wait("release-rolled-back", version);
    assert_eq!(done["release"], "m2-platform", "{done}");
    assert_eq!(done["environment"], "production", "{done}");
    assert_eq!(done["release_id"], tripped["release_id"], "{done}");
}

/// 1.2.2's `/health` goes down once the post-deploy verification passed (the background
/// watch is armed, the monitoring steps run): down for 5 s trips it.
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
                            .any(|l| l.contains("step-finished") && l.contains("\"verify\""))
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
    assert!(watcher.join().unwrap(), "the verification passed");
    assert!(text.contains("health: 503"), "{text}");
}
