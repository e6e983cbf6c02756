//! Seed 002's other two rows of the trigger table, each tripped by a revision whose `/health`
//! goes down during the watch (`faults/VERSION.down`: it answers 503) after passing its smoke:
//! 1.10.2 with `vars.health_for` shortened to 3 s trips `health` ("health endpoint down > 30 s
//! continuous"); 1.10.3 with `vars.smoke_for` shortened to 1 s and `health_for` kept long trips
//! `smoke` ("smoke check fails > 2 minutes": the smoke script checks `/health` too). Each time
//! the rollback script brings 1.10.0 back, and the on-call webhook hears the trip (naming the
//! trigger) and the rolled-back release.

use flightdeck::journal::Record;
use flightdeck::release::{ReleaseOutcome, ReleasePhase};

use super::super::support::{get, secs, wait_for};
use super::{Ports, live_version, run, run_env};
use crate::run::{Dir, out};

pub(super) fn health_down_1_10_2_rolls_back(d: &Dir, p: &Ports) {
    let (text, _) = trips(
        d,
        p,
        "1.10.2",
        "health",
        &["vars.health_for=3s", "vars.smoke_for=10m"],
    );
    assert!(text.contains("health: 503"), "{text}");
}

pub(super) fn smoke_fails_1_10_3_rolls_back(d: &Dir, p: &Ports) {
    let (text, records) = trips(
        d,
        p,
        "1.10.3",
        "smoke",
        &["vars.smoke_for=1s", "vars.health_for=10m"],
    );
    // The smoke script's own verdict, while `health` (down too, `for` 10m) did not trip.
    assert!(text.contains("FAIL /health"), "{text}");
    let health_failing = records.iter().any(|r| {
        r.kind.as_str() == "gate-result"
            && r.step.as_deref() == Some("watch")
            && r.data["gate"] == "health"
            && r.data["state"] == "fail"
    });
    assert!(health_failing, "health was measured failing, not tripped");
}

/// Release `version` on a new revision whose health goes down once its smoke passed, with
/// `sets` (`--set`): exactly `trigger` trips, the release rolls back to 1.10.0 (exit 3), and
/// the webhook hears both. The plain output and the journal.
fn trips(d: &Dir, p: &Ports, version: &str, trigger: &str, sets: &[&str]) -> (String, Vec<Record>) {
    // The previous release must be a completed one (the last rolled back): 1.10.0 again.
    std::thread::sleep(secs(2)); // stable_for = 1s after the rollback
    let o = run(d, p, "baseline.toml", &["--release-version", "1.10.0"]);
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    std::thread::sleep(secs(2)); // stable_for = 1s after 1.10.0
    // Earlier 5xx out of the 15 s error window, so only `trigger` can trip.
    let q = "/api/v1/query?query=sum(rate(http_requests_total%7Bcode%3D~%225..%22%7D%5B15s%5D))";
    wait_for(secs(60), "no 5xx in the last 15 s", || {
        get(p.prom, q).is_some_and(|b| b.contains("\"0\"]"))
    });
    let down = d.path().join(format!("faults/{version}.down"));
    let watcher = down_after_smoke(d, down.clone());
    let mut args = vec![
        "--release-version",
        version,
        "--set",
        "vars.watch=90s",
        "--set",
        "vars.error_window=15s",
    ];
    for s in sets {
        args.extend(["--set", s]);
    }
    let o = run_env(
        d,
        p,
        "flightdeck.toml",
        &args,
        &[("AZ_FIXTURE_NEW_REVISION", version)],
    );
    let smoked = watcher.join().unwrap();
    std::fs::remove_file(&down).ok();
    assert!(smoked, "the smoke step finished: {}", out(&o));
    assert_eq!(o.status.code(), Some(3), "{}", out(&o));
    let text = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(
        text.contains("captured revision=trade-nexus-backend--0000043"),
        "the new revision passes the check: {text}"
    );
    assert!(
        text.contains(&format!("trigger {trigger} tripped")),
        "{text}"
    );
    assert!(
        text.contains("previous revision: trade-nexus-backend--0000042 (1.10.0)"),
        "{text}"
    );
    assert_eq!(live_version(p.app).as_deref(), Some("1.10.0"));

    let (records, st) = d.latest();
    assert_eq!(
        (st.version.as_str(), st.phase),
        (version, ReleasePhase::Finished(ReleaseOutcome::RolledBack))
    );
    let tripped: Vec<_> = records
        .iter()
        .filter(|r| r.kind.as_str() == "trigger-tripped")
        .collect();
    assert_eq!(tripped.len(), 1, "one trip: {tripped:?}");
    assert_eq!(tripped[0].data["gate"], trigger, "{:?}", tripped[0]);
    // The watch measured it failing: failing `trigger` results of step `watch`.
    let failing = records.iter().any(|r| {
        r.kind.as_str() == "gate-result"
            && r.step.as_deref() == Some("watch")
            && r.data["gate"] == trigger
            && r.data["state"] == "fail"
    });
    assert!(failing, "the watch journaled {trigger} failing");
    assert!(records.iter().any(|r| r.kind.as_str() == "rollback-armed"));
    assert!(
        records
            .iter()
            .any(|r| r.kind.as_str() == "step-finished" && r.step.as_deref() == Some("rollback")),
        "the rollback script ran"
    );
    d.verify_latest();

    let hook = p.hook.wait("trigger-tripped", version);
    assert_eq!(hook["step"], "watch", "{hook}");
    assert_eq!(hook["environment"], "production", "{hook}");
    assert!(
        hook["message"]
            .as_str()
            .unwrap_or_default()
            .starts_with(&format!("trigger {trigger} tripped")),
        "{hook}"
    );
    let done = p
        .hook
        .wait_release("release-rolled-back", &hook["release_id"]);
    assert_eq!(done["version"], version, "{done}");
    assert_eq!(done["release"], "trade-nexus-backend", "{done}");
    (text, records)
}

/// Write `down` once a journal that did not exist yet shows the `smoke` step finished (the
/// watch comes next), within 120 s; whether it did.
fn down_after_smoke(d: &Dir, down: std::path::PathBuf) -> std::thread::JoinHandle<bool> {
    let journals = d.path().join(".flightdeck/journal");
    let before: Vec<_> = std::fs::read_dir(&journals)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    std::thread::spawn(move || {
        let deadline = std::time::Instant::now() + secs(120);
        while std::time::Instant::now() < deadline {
            let smoked = std::fs::read_dir(&journals).unwrap().any(|e| {
                let p = e.unwrap().path();
                !before.contains(&p)
                    && std::fs::read_to_string(&p).is_ok_and(|t| {
                        t.lines()
                            .any(|l| l.contains("step-finished") && l.contains("\"smoke\""))
                    })
            });
            if smoked {
                std::fs::write(&down, "").unwrap();
                return true;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        false
    })
}
