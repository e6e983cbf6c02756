//! Background watches in the cockpit (tmux): the banner over the evidence modal when a
//! background trigger trips, and the warnings prompt when a watch that saw warnings ends.

use std::time::{Duration, Instant};

use flightdeck::release::{ReleaseOutcome, ReleasePhase};

use super::{trip_runbook, warn_runbook};
use crate::run::Dir;
use crate::watch::Service;

#[test]
fn a_background_trigger_trips_under_the_evidence_modal_in_the_cockpit() {
    use crate::skip::{Component, need};
    use crate::tmux::{Tmux, bin};
    if !need(Component::Tmux) {
        return;
    }
    let d = Dir::new("");
    let later = r#"[[steps]]
id = "qa"
kind = "manual"
title = "QA sign-off""#;
    d.write("flightdeck.toml", &trip_runbook(later));
    let t = Tmux::start(d.path(), &format!("{} run; sleep 30", bin()), 120, 32);
    t.wait_for("Watch 1m: alive");
    t.keys(&["Enter"]);
    t.wait_for("✔ 1");
    t.keys(&["Enter"]);
    t.wait_for("left");
    t.keys(&["Enter"]);
    let s = t.wait_for("evidence");
    assert!(s.contains("QA sign-off"), "{s}");
    std::fs::write(d.path().join("tripped"), "").expect("trip");
    let s = t.wait_for("ROLLBACK ARMED");
    assert!(s.contains("trigger alive tripped"), "{s}");
    assert!(s.contains("evidence"), "the evidence modal stays open: {s}");
    if std::env::var_os("SHOW_SCREEN").is_some() {
        eprintln!("{s}");
    }
    let (records, _) = d.latest();
    assert!(records.iter().any(|r| r.kind.as_str() == "rollback-armed"));
    assert!(
        !records
            .iter()
            .any(|r| r.kind.as_str() == "step-finished" && r.step.as_deref() == Some("qa")),
        "the manual step still waits for evidence"
    );
}

#[test]
fn the_cockpit_asks_for_the_warnings_when_the_background_watch_ends() {
    use crate::skip::{Component, need};
    use crate::tmux::{Tmux, bin};
    if !need(Component::Tmux) {
        return;
    }
    let d = Dir::new("");
    d.write("rate", "0.02");
    let svc = Service::start(d.path(), "rate");
    d.write("flightdeck.toml", &warn_runbook(svc.port));
    let t = Tmux::start(d.path(), &format!("{} run; sleep 30", bin()), 120, 32);
    t.wait_for("Watch 3s: error-rate");
    t.keys(&["Enter"]);
    t.wait_for("bg 00:0");
    t.keys(&["Enter"]);
    let s = t.wait_for("⚠ Warnings");
    assert!(s.contains("The watch saw warnings (error-rate ×"), "{s}");
    t.text("checked the batch job");
    t.keys(&["Enter"]);
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (records, st) = d.latest();
        if st.phase == ReleasePhase::Finished(ReleaseOutcome::Completed) {
            let ack = records
                .iter()
                .find(|r| r.kind.as_str() == "note" && r.data["action"] == "warnings-ack")
                .expect("the ack is journaled");
            assert_eq!(ack.data["text"], "checked the batch job");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "never completed:\n{}",
            t.screen()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}
