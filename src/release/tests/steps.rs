//! Running, retrying, skipping, evidence, approvals, cancel and mark-done.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;

#[test]
fn next_starts_the_first_pending_step_and_journals_before_executing() {
    let mut h = H::new(&[("a", "run"), ("b", "run")], &[]);
    let fx = h.ok(Msg::Next);
    assert_eq!(kinds(&fx), ["step-started", "execute Main 0"]);
    assert_eq!(h.status(Phase::Main, 0), StepStatus::Running);
}

#[test]
fn next_while_running_is_refused() {
    let mut h = H::new(&[("a", "run"), ("b", "run")], &[]);
    h.ok(Msg::Next);
    assert!(h.refused(Msg::Next).contains("still running"));
}

#[test]
fn success_of_last_step_completes_the_release() {
    let mut h = H::new(&[("a", "run")], &[]);
    h.ok(Msg::Next);
    let fx = h.finish(Phase::Main, "a", Outcome::Succeeded);
    assert_eq!(kinds(&fx), ["step-finished", "release-finished"]);
    assert_eq!(
        h.st.phase,
        ReleasePhase::Finished(ReleaseOutcome::Completed)
    );
    assert!(h.refused(Msg::Next).contains("finished"));
}

#[test]
fn cannot_advance_past_a_failed_step() {
    let mut h = H::new(&[("a", "run"), ("b", "run")], &[]);
    h.ok(Msg::Next);
    h.finish(Phase::Main, "a", Outcome::Failed);
    assert!(matches!(h.status(Phase::Main, 0), StepStatus::Failed(_)));
    let why = h.refused(Msg::Next);
    assert!(why.contains("r retry"), "{why}");
    assert_eq!(h.status(Phase::Main, 1), StepStatus::Pending);
}

#[test]
fn retry_restarts_a_failed_step_with_a_new_attempt() {
    let mut h = H::new(&[("a", "run")], &[]);
    h.ok(Msg::Next);
    h.finish(Phase::Main, "a", Outcome::Failed);
    let fx = h.ok(Msg::Retry);
    assert_eq!(kinds(&fx), ["step-started", "execute Main 0"]);
    assert_eq!(h.st.steps[0].attempts, 2);
}

#[test]
fn retry_of_a_pending_step_is_refused() {
    let mut h = H::new(&[("a", "run")], &[]);
    assert!(h.refused(Msg::Retry).contains("has not failed"));
}

#[test]
fn skip_needs_a_reason_and_unblocks() {
    let mut h = H::new(&[("a", "run"), ("b", "run")], &[]);
    h.ok(Msg::Next);
    h.finish(Phase::Main, "a", Outcome::Failed);
    assert!(
        h.refused(Msg::Skip {
            reason: "  ".into()
        })
        .contains("reason")
    );
    h.ok(Msg::Skip {
        reason: "known flake".into(),
    });
    assert_eq!(
        h.status(Phase::Main, 0),
        StepStatus::Skipped("known flake".into())
    );
    let fx = h.ok(Msg::Next);
    assert_eq!(kinds(&fx), ["step-started", "execute Main 1"]);
}

#[test]
fn skip_while_running_is_refused() {
    let mut h = H::new(&[("a", "run")], &[]);
    h.ok(Msg::Next);
    assert!(
        h.refused(Msg::Skip { reason: "x".into() })
            .contains("running")
    );
}

#[test]
fn manual_step_needs_evidence_when_required() {
    let mut h = H::new(&[("qa", "manual")], &[]);
    h.ok(Msg::Next);
    let why = h.refused(Msg::Evidence {
        note: String::new(),
        source: "operator".into(),
    });
    assert!(why.contains("requires evidence"), "{why}");
    let fx = h.ok(Msg::Evidence {
        note: "QA-123".into(),
        source: "operator".into(),
    });
    assert_eq!(
        kinds(&fx),
        ["evidence", "step-finished", "release-finished"]
    );
    assert_eq!(h.st.steps[0].evidence.as_deref(), Some("QA-123"));
}

#[test]
fn a_manual_step_cannot_succeed_without_required_evidence() {
    let mut h = H::new(&[("qa", "manual")], &[]);
    h.ok(Msg::Next);
    h.finish(Phase::Main, "qa", Outcome::Succeeded);
    assert!(matches!(h.status(Phase::Main, 0), StepStatus::Failed(r) if r.contains("evidence")));
}

#[test]
fn evidence_without_a_running_manual_step_is_refused() {
    let mut h = H::new(&[("a", "run")], &[]);
    let why = h.refused(Msg::Evidence {
        note: "x".into(),
        source: "operator".into(),
    });
    assert!(why.contains("no manual step"));
    h.ok(Msg::Next);
    assert!(
        h.refused(Msg::Evidence {
            note: "x".into(),
            source: "operator".into()
        })
        .contains("not a manual step")
    );
}

#[test]
fn approval_checks_the_allow_list_and_the_reason() {
    let mut h = H::new(&[("ok", "approval")], &[]);
    h.ok(Msg::Next);
    let approve = |name: &str, reason: &str| Msg::Approve {
        name: name.into(),
        reason: reason.into(),
        source: "operator".into(),
    };
    assert!(
        h.refused(approve("mallory", "CAB-1"))
            .contains("may not approve")
    );
    assert!(h.refused(approve("alice", "")).contains("needs a reason"));
    assert!(h.refused(approve("", "CAB-1")).contains("name"));
    h.ok(approve("alice", "CAB-1"));
    assert_eq!(
        h.st.steps[0].approval,
        Some(("alice".into(), "CAB-1".into()))
    );
    assert_eq!(h.status(Phase::Main, 0), StepStatus::Succeeded);
}

#[test]
fn cancel_only_while_running() {
    let mut h = H::new(&[("a", "run")], &[]);
    assert!(h.refused(Msg::Cancel).contains("no step is running"));
    h.ok(Msg::Next);
    let fx = h.ok(Msg::Cancel);
    assert_eq!(kinds(&fx), ["cancel Main 0"]);
    let fx = h.finish(Phase::Main, "a", Outcome::Cancelled);
    assert_eq!(kinds(&fx), ["step-finished"]);
}

#[test]
fn mark_done_only_for_interrupted_steps_and_needs_a_note() {
    let mut h = H::new(&[("a", "run"), ("b", "run")], &[]);
    h.ok(Msg::Next);
    h.finish(Phase::Main, "a", Outcome::Failed);
    assert!(
        h.refused(Msg::MarkDone { note: "n".into() })
            .contains("only an interrupted step")
    );
    // A crash mid-step: replay turns the running step into interrupted.
    let mut h = H::new(&[("a", "run"), ("b", "run")], &[]);
    h.ok(Msg::Next);
    let mut resumed = H {
        st: h.replayed(),
        clock: h.clock,
        log: h.log.clone(),
    };
    assert_eq!(resumed.status(Phase::Main, 0), StepStatus::Interrupted);
    assert!(resumed.refused(Msg::Next).contains("interrupted"));
    assert!(
        resumed
            .refused(Msg::MarkDone {
                note: String::new()
            })
            .contains("note")
    );
    resumed.ok(Msg::MarkDone {
        note: "checked by hand: deployed".into(),
    });
    assert_eq!(resumed.status(Phase::Main, 0), StepStatus::Succeeded);
    assert_eq!(
        kinds(&resumed.ok(Msg::Next)),
        ["step-started", "execute Main 1"]
    );
}

#[test]
fn retry_of_an_interrupted_step() {
    let mut h = H::new(&[("a", "run")], &[]);
    h.ok(Msg::Next);
    let mut resumed = H {
        st: h.replayed(),
        clock: h.clock,
        log: h.log.clone(),
    };
    assert_eq!(
        kinds(&resumed.ok(Msg::Retry)),
        ["step-started", "execute Main 0"]
    );
}
