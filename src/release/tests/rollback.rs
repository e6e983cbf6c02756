//! Rolling back, arming, abandoning, captures and output.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;

use super::*;

#[test]
fn rollback_runs_its_steps_in_order_and_ends_rolled_back() {
    let mut h = H::new(&[("a", "run")], &[("r1", "run"), ("r2", "run")]);
    h.ok(Msg::Next);
    h.finish(Phase::Main, "a", Outcome::Failed);
    let fx = h.ok(Msg::Rollback {
        by: "alice".into(),
        target: Some("v0.9.0".into()),
    });
    assert_eq!(
        kinds(&fx),
        [
            "rollback-confirmed",
            "rollback-started",
            "step-started",
            "execute Rollback 0"
        ]
    );
    assert_eq!(h.st.phase, ReleasePhase::RollingBack);
    let fx = h.finish(Phase::Rollback, "r1", Outcome::Succeeded);
    assert_eq!(
        kinds(&fx),
        ["step-finished", "step-started", "execute Rollback 1"]
    );
    let fx = h.finish(Phase::Rollback, "r2", Outcome::Succeeded);
    assert_eq!(
        kinds(&fx),
        ["step-finished", "rollback-finished", "release-finished"]
    );
    assert_eq!(
        h.st.phase,
        ReleasePhase::Finished(ReleaseOutcome::RolledBack)
    );
    assert!(
        h.refused(Msg::Rollback {
            by: "alice".into(),
            target: None
        })
        .contains("rolled-back")
    );
}

#[test]
fn rollback_while_a_step_runs_cancels_it_first() {
    let mut h = H::new(&[("watch", "watch")], &[("r1", "run")]);
    h.ok(Msg::Next);
    let fx = h.ok(Msg::Rollback {
        by: "auto".into(),
        target: None,
    });
    assert_eq!(
        kinds(&fx),
        [
            "step-finished",
            "cancel Main 0",
            "rollback-confirmed",
            "rollback-started",
            "step-started",
            "execute Rollback 0"
        ]
    );
    // The cancelled executor's late report is ignored.
    let fx = h.finish(Phase::Main, "watch", Outcome::Cancelled);
    assert!(fx.is_empty());
}

#[test]
fn failed_rollback_step_blocks_until_retry_or_skip() {
    let mut h = H::new(&[("a", "run")], &[("r1", "run"), ("r2", "run")]);
    h.ok(Msg::Rollback {
        by: "alice".into(),
        target: None,
    });
    h.finish(Phase::Rollback, "r1", Outcome::Failed);
    assert_eq!(h.st.phase, ReleasePhase::RollingBack);
    assert!(h.refused(Msg::Next).contains("failed"));
    let fx = h.ok(Msg::Skip {
        reason: "done by hand".into(),
    });
    assert_eq!(kinds(&fx), ["skip", "step-started", "execute Rollback 1"]);
}

#[test]
fn rollback_with_no_steps_finishes_at_once() {
    let mut h = H::new(&[("a", "run")], &[]);
    let fx = h.ok(Msg::Rollback {
        by: "alice".into(),
        target: None,
    });
    assert_eq!(
        kinds(&fx),
        [
            "rollback-confirmed",
            "rollback-started",
            "rollback-finished",
            "release-finished"
        ]
    );
}

#[test]
fn rollback_after_completion_is_allowed_twice_is_not() {
    let mut h = H::new(&[("a", "run")], &[("r1", "run")]);
    h.ok(Msg::Next);
    h.finish(Phase::Main, "a", Outcome::Succeeded);
    h.ok(Msg::Rollback {
        by: "alice".into(),
        target: None,
    });
    assert!(
        h.refused(Msg::Rollback {
            by: "alice".into(),
            target: None
        })
        .contains("already")
    );
}

#[test]
fn arm_records_the_reason_and_only_during_the_release() {
    let mut h = H::new(&[("a", "run")], &[]);
    h.ok(Msg::Arm {
        reason: "error-rate 0.19 > 0.05".into(),
        target: Some("v0.9.0".into()),
    });
    assert_eq!(
        h.st.armed.as_ref().unwrap().reason,
        "error-rate 0.19 > 0.05"
    );
    let mut h = H::new(&[], &[]);
    assert_eq!(h.st.phase, ReleasePhase::InProgress);
    h.ok(Msg::Abandon { note: "x".into() });
    assert!(
        h.refused(Msg::Arm {
            reason: "r".into(),
            target: None
        })
        .contains("armed")
    );
}

#[test]
fn abandon_finishes_the_release() {
    let mut h = H::new(&[("a", "run")], &[]);
    let fx = h.ok(Msg::Abandon {
        note: "window closed".into(),
    });
    assert_eq!(kinds(&fx), ["note", "release-finished"]);
    assert_eq!(
        h.st.phase,
        ReleasePhase::Finished(ReleaseOutcome::Abandoned)
    );
}

#[test]
fn begin_twice_and_commands_before_begin_are_refused() {
    let mut st = ReleaseState::default();
    assert!(
        update(&mut st, Msg::Next, t(0))
            .unwrap_err()
            .0
            .contains("not started")
    );
    let mut h = H::new(&[("a", "run")], &[]);
    assert!(h.refused(Msg::Begin(begin(&[], &[]))).contains("already"));
}

#[test]
fn captures_become_release_variables() {
    let mut h = H::new(&[("deploy", "run")], &[]);
    h.ok(Msg::Next);
    let mut caps = BTreeMap::new();
    caps.insert("tx_hash".to_owned(), "0xabc".to_owned());
    h.ok(Msg::Finished {
        phase: Phase::Main,
        step: "deploy".into(),
        outcome: Outcome::Succeeded,
        exit_code: Some(0),
        reason: None,
        duration_ms: 3,
        captures: caps,
    });
    assert_eq!(
        h.st.captures.get("tx_hash").map(String::as_str),
        Some("0xabc")
    );
}

#[test]
fn output_keeps_a_bounded_tail() {
    let mut h = H::new(&[("a", "run")], &[]);
    h.ok(Msg::Next);
    let lines: Vec<String> = (0..25).map(|i| format!("line {i}")).collect();
    h.ok(Msg::Output {
        phase: Phase::Main,
        step: "a".into(),
        stream: "stdout".into(),
        lines,
    });
    let s = &h.st.steps[0];
    assert_eq!(s.output_lines, 25);
    assert_eq!(s.output_tail.len(), state::OUTPUT_TAIL);
    assert_eq!(s.output_tail.back().map(String::as_str), Some("line 24"));
}
