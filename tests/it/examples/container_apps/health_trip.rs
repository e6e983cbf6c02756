//! Seed 002's "health endpoint down > 30 s continuous" trigger: 1.10.2's new revision passes
//! its smoke, then its `/health` goes down during the watch (`faults/1.10.2.down`: the
//! revision answers 503) with `vars.health_for` shortened to 3 s; the `health` trigger trips,
//! the rollback script brings 1.10.0 back, and the on-call webhook hears the trip (naming
//! `health`) and the rolled-back release.

use flightdeck::release::{ReleaseOutcome, ReleasePhase};

use super::super::support::{get, secs, wait_for};
use super::{Ports, live_version, run, run_env};
use crate::run::{Dir, out};

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

pub(super) fn health_down_1_10_2_rolls_back(d: &Dir, p: &Ports) {
    let t0 = std::time::Instant::now();
    // The previous release must be a completed one (1.10.1 rolled back): 1.10.0 again.
    std::thread::sleep(secs(2)); // stable_for = 1s after the rollback
    let o = run(d, p, "baseline.toml", &["--release-version", "1.10.0"]);
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    std::thread::sleep(secs(2)); // stable_for = 1s after 1.10.0
    // 1.10.1's 5xx out of the 15 s error window, so only the health trigger can trip.
    let q = "/api/v1/query?query=sum(rate(http_requests_total%7Bcode%3D~%225..%22%7D%5B15s%5D))";
    wait_for(secs(60), "no 5xx in the last 15 s", || {
        get(p.prom, q).is_some_and(|b| b.contains("\"0\"]"))
    });
    let down = d.path().join("faults/1.10.2.down");
    let watcher = down_after_smoke(d, down.clone());
    let o = run_env(
        d,
        p,
        "flightdeck.toml",
        &[
            "--release-version",
            "1.10.2",
            "--set",
            "vars.watch=90s",
            "--set",
            "vars.health_for=3s",
            "--set",
            "vars.error_window=15s",
        ],
        &[("AZ_FIXTURE_NEW_REVISION", "1.10.2")],
    );
    let smoked = watcher.join().unwrap();
    std::fs::remove_file(&down).ok();
    assert!(smoked, "the smoke step finished: {}", out(&o));
    assert_eq!(o.status.code(), Some(3), "{}", out(&o));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("captured revision=trade-nexus-backend--0000043"),
        "the new revision passes the check: {text}"
    );
    assert!(text.contains("trigger health tripped"), "{text}");
    assert!(text.contains("health: 503"), "{text}");
    assert!(
        text.contains("previous revision: trade-nexus-backend--0000042 (1.10.0)"),
        "{text}"
    );
    assert_eq!(live_version(p.app).as_deref(), Some("1.10.0"));

    let (records, st) = d.latest();
    assert_eq!(
        (st.version.as_str(), st.phase),
        ("1.10.2", ReleasePhase::Finished(ReleaseOutcome::RolledBack))
    );
    let tripped: Vec<_> = records
        .iter()
        .filter(|r| r.kind.as_str() == "trigger-tripped")
        .collect();
    assert_eq!(tripped.len(), 1, "one trip: {tripped:?}");
    assert_eq!(tripped[0].data["gate"], "health", "{:?}", tripped[0]);
    // The watch measured the 503s: failing `health` results of step `watch`.
    let failing = records.iter().any(|r| {
        r.kind.as_str() == "gate-result"
            && r.step.as_deref() == Some("watch")
            && r.data["gate"] == "health"
            && r.data["state"] == "fail"
    });
    assert!(failing, "the watch journaled health failing");
    assert!(records.iter().any(|r| r.kind.as_str() == "rollback-armed"));
    assert!(
        records
            .iter()
            .any(|r| r.kind.as_str() == "step-finished" && r.step.as_deref() == Some("rollback")),
        "the rollback script ran"
    );
    d.verify_latest();

    let hook = p.hook.wait("trigger-tripped", "1.10.2");
    assert_eq!(hook["step"], "watch", "{hook}");
    assert_eq!(hook["environment"], "production", "{hook}");
    assert!(
        hook["message"]
            .as_str()
            .unwrap_or_default()
            .starts_with("trigger health tripped"),
        "{hook}"
    );
    let done = p
        .hook
        .wait_release("release-rolled-back", &hook["release_id"]);
    assert_eq!(done["version"], "1.10.2", "{done}");
    assert_eq!(done["release"], "trade-nexus-backend", "{done}");
    eprintln!("health phase took {:?}", t0.elapsed());
}
