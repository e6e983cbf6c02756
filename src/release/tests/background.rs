//! Background watches and the warn band through `Core::update` with a fake clock (DESIGN.md
//! §10): the checklist moves on, a trip under a later step arms the rollback at once, a running
//! run step finishes before the rollback, the release waits for the watch, `e` ends it, replay
//! rebuilds it, and warnings need an acknowledgement.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use super::*;
use crate::release::policy::{Core, Policy};

/// deploy (run) · soak (background watch, 10 min) · qa (manual) · ok (approval) · migrate (run)
pub(super) fn core(policy: Policy) -> Core {
    let mut ev = begin(
        &[
            ("deploy", "run"),
            ("soak", "watch"),
            ("qa", "manual"),
            ("ok", "approval"),
            ("migrate", "run"),
        ],
        &[("undo", "run")],
    );
    if let Event::ReleaseStarted { steps, .. } = &mut ev {
        steps[1].background = true;
        steps[1].duration_ms = Some(600_000);
    }
    let mut c = Core::new(ReleaseState::default(), policy);
    c.update(Msg::Begin(ev), t(0)).unwrap();
    c
}

pub(super) fn done(id: &str, outcome: Outcome) -> Msg {
    Msg::Finished {
        phase: Phase::Main,
        step: id.into(),
        outcome,
        exit_code: None,
        reason: (outcome != Outcome::Succeeded).then(|| "trigger error-rate tripped".into()),
        duration_ms: 1,
        captures: BTreeMap::new(),
    }
}

pub(super) fn status(c: &Core, id: &str) -> StepStatus {
    let i = c.st.find(Phase::Main, id).unwrap();
    c.st.steps[i].status.clone()
}

/// deploy done, the background watch started (at t=2), the checklist at `qa`.
pub(super) fn past_soak() -> Core {
    let mut c = core(Policy::default());
    c.update(Msg::Next, t(1)).unwrap();
    c.update(done("deploy", Outcome::Succeeded), t(1)).unwrap();
    let fx = c.update(Msg::Next, t(2)).unwrap();
    assert!(
        quiet_kinds(&fx).contains(&"execute Main 1".to_owned()),
        "{fx:?}"
    );
    c
}

pub(super) fn approve() -> Msg {
    Msg::Approve {
        name: "alice".into(),
        reason: "CAB-1".into(),
        source: "operator".into(),
    }
}

pub(super) fn evidence() -> Msg {
    Msg::Evidence {
        note: "QA-1".into(),
        source: "operator".into(),
    }
}

pub(super) fn arm() -> Msg {
    Msg::Arm {
        reason: "trigger error-rate tripped".into(),
        target: Some("v0.9.0".into()),
    }
}

#[test]
fn the_checklist_moves_on_while_a_background_watch_runs() {
    let mut c = past_soak();
    assert_eq!(status(&c, "soak"), StepStatus::Running);
    assert_eq!(
        c.st.running(),
        None,
        "a background watch is not the foreground step"
    );
    assert_eq!(
        c.st.current(),
        Some((Phase::Main, 2)),
        "the checklist is at qa"
    );
    assert_eq!(c.st.background_running(), vec![(Phase::Main, 1)]);
    let fx = c.update(Msg::Next, t(3)).unwrap();
    assert!(quiet_kinds(&fx).contains(&"execute Main 2".to_owned()));
    assert_eq!(c.st.running(), Some((Phase::Main, 2)));
    assert_eq!(status(&c, "soak"), StepStatus::Running);
}

#[test]
fn a_trip_during_a_later_manual_step_arms_the_rollback_at_once() {
    let mut c = past_soak();
    c.update(Msg::Next, t(3)).unwrap(); // qa waits for evidence
    let fx = c.update(arm(), t(60)).unwrap();
    assert_eq!(quiet_kinds(&fx), vec!["rollback-armed"]);
    assert!(c.st.armed.is_some());
    c.update(done("soak", Outcome::Failed), t(60)).unwrap();
    assert!(matches!(status(&c, "soak"), StepStatus::Failed(_)));
    assert_eq!(
        status(&c, "qa"),
        StepStatus::Running,
        "the manual step still waits"
    );
    // Rolling back cuts the manual step short at once (nothing runs outside).
    let fx = c
        .update(
            Msg::Rollback {
                by: "alice".into(),
                target: Some("v0.9.0".into()),
            },
            t(61),
        )
        .unwrap();
    let k = quiet_kinds(&fx);
    assert_eq!(k[0], "step-finished", "{k:?}");
    assert!(k.contains(&"rollback-started".to_owned()), "{k:?}");
    assert_eq!(c.st.phase, ReleasePhase::RollingBack);
}

#[test]
fn an_auto_rollback_waits_for_a_running_run_step() {
    let delay = Duration::from_secs(30);
    let mut c = core(Policy::auto_rollback(
        true, false, false, false, false, delay,
    ));
    c.update(Msg::Next, t(1)).unwrap();
    c.update(done("deploy", Outcome::Succeeded), t(1)).unwrap();
    c.update(Msg::Next, t(2)).unwrap(); // soak, in the background
    c.update(Msg::Next, t(3)).unwrap();
    c.update(evidence(), t(4)).unwrap();
    c.update(Msg::Next, t(5)).unwrap();
    c.update(approve(), t(6)).unwrap();
    c.update(Msg::Next, t(7)).unwrap(); // migrate runs
    assert_eq!(c.st.running(), Some((Phase::Main, 4)));
    let fx = c.update(arm(), t(10)).unwrap();
    assert!(
        quiet_kinds(&fx).contains(&"timer Countdown".to_owned()),
        "{fx:?}"
    );
    c.update(done("soak", Outcome::Failed), t(10)).unwrap();
    // The countdown ends while migrate runs: the rollback waits for it.
    let fx = c
        .update(
            Msg::Timer {
                id: TimerId::Countdown,
            },
            t(40),
        )
        .unwrap();
    assert!(fx.is_empty(), "{fx:?}");
    assert!(c.view().rollback_waits);
    assert_eq!(c.st.phase, ReleasePhase::InProgress);
    let fx = c
        .update(done("migrate", Outcome::Succeeded), t(50))
        .unwrap();
    let k = quiet_kinds(&fx);
    let fin = k.iter().position(|k| k == "step-finished").unwrap();
    let started = k.iter().position(|k| k == "rollback-started").unwrap();
    assert!(
        fin < started,
        "migrate finishes before the rollback starts: {k:?}"
    );
    assert_eq!(c.st.phase, ReleasePhase::RollingBack);
}

#[test]
fn the_release_does_not_complete_while_the_watch_runs() {
    let mut c = past_soak();
    c.update(Msg::Next, t(3)).unwrap();
    c.update(evidence(), t(4)).unwrap();
    c.update(Msg::Next, t(5)).unwrap();
    c.update(approve(), t(6)).unwrap();
    c.update(Msg::Next, t(7)).unwrap();
    c.update(done("migrate", Outcome::Succeeded), t(11))
        .unwrap();
    assert_eq!(c.st.phase, ReleasePhase::InProgress);
    assert_eq!(c.st.current(), None);
    // 10 minutes from t=2, at t=11: 9:51 left.
    let why = c.update(Msg::Next, t(11)).unwrap_err().0;
    assert_eq!(why, "waiting for background watch soak: 9:51 left");
    assert_eq!(
        crate::release::update::background::waiting_for(&c.st, t(11)).as_deref(),
        Some("waiting for background watch soak: 9:51 left")
    );
    let fx = c.update(done("soak", Outcome::Succeeded), t(602)).unwrap();
    assert_eq!(quiet_kinds(&fx), vec!["step-finished", "release-finished"]);
    assert_eq!(
        c.st.phase,
        ReleasePhase::Finished(ReleaseOutcome::Completed)
    );
}

#[test]
fn e_ends_the_background_watch_with_a_note() {
    let mut c = past_soak();
    c.update(Msg::Next, t(3)).unwrap(); // qa in the foreground
    let why = c
        .update(Msg::EndWatch { note: " ".into() }, t(4))
        .unwrap_err()
        .0;
    assert!(why.contains("needs a note"), "{why}");
    let fx = c
        .update(
            Msg::EndWatchOf {
                step: "soak".into(),
                note: "dashboards are flat".into(),
            },
            t(4),
        )
        .unwrap();
    assert_eq!(quiet_kinds(&fx), vec!["note", "control End"]);
    let Effect::Control { index, .. } = fx[1] else {
        panic!("{fx:?}")
    };
    assert_eq!(index, 1, "the background watch, not the manual step");
    let why = c
        .update(
            Msg::EndWatchOf {
                step: "qa".into(),
                note: "x".into(),
            },
            t(5),
        )
        .unwrap_err()
        .0;
    assert!(why.contains("not a watch step"), "{why}");
}

#[test]
fn replay_rebuilds_a_running_background_watch_and_resume_restarts_it() {
    let mut h = H::new(
        &[("deploy", "run"), ("soak", "watch"), ("qa", "manual")],
        &[],
    );
    // Make soak a background watch of 10 minutes before anything ran.
    if let Some((Event::ReleaseStarted { steps, .. }, _)) = h.log.first_mut() {
        steps[1].background = true;
        steps[1].duration_ms = Some(600_000);
    }
    h.st = h.replayed();
    h.ok(Msg::Next);
    h.finish(Phase::Main, "deploy", Outcome::Succeeded);
    h.ok(Msg::Next); // soak starts at t(4)
    h.ok(Msg::Next); // qa runs in the foreground
    let st = h.replayed();
    assert_eq!(st.steps[1].status, StepStatus::Running, "rebuilt running");
    assert_eq!(
        st.steps[2].status,
        StepStatus::Interrupted,
        "the foreground step is interrupted as before"
    );
    let mut c = Core::new(st.clone(), Policy::default());
    let fx = c.update(Msg::ResumeBackground, t(64)).unwrap();
    assert_eq!(quiet_kinds(&fx), vec!["note", "execute Main 1"]);
    assert_eq!(c.st.steps[1].watch_left_ms(t(64)), 540_000);
    // Resumed after its time: it fails (nothing watched it), with what to do.
    let mut c = Core::new(st, Policy::default());
    c.update(Msg::ResumeBackground, t(700)).unwrap();
    let StepStatus::Failed(why) = &c.st.steps[1].status else {
        panic!("{:?}", c.st.steps[1].status)
    };
    assert!(why.contains("r watches again"), "{why}");
}

#[test]
fn a_rollback_cancels_the_background_watches() {
    let mut c = past_soak();
    c.update(Msg::Next, t(3)).unwrap(); // qa
    let fx = c
        .update(
            Msg::Rollback {
                by: "alice".into(),
                target: None,
            },
            t(4),
        )
        .unwrap();
    let k = quiet_kinds(&fx);
    assert!(k.contains(&"cancel Main 1".to_owned()), "{k:?}");
    assert!(matches!(status(&c, "soak"), StepStatus::Failed(_)));
}

/// [`kinds`] without the notifications the core decides alongside (tested in `notify.rs`).
pub(super) fn quiet_kinds(effects: &[Effect]) -> Vec<String> {
    kinds(effects)
        .into_iter()
        .filter(|k| !k.starts_with("notify "))
        .collect()
}

/// DESIGN.md §10 with §9.2: a signed approval that arrives just after the background trigger
/// tripped is journaled (it is the approver's act, and evidence), but it does not disarm: the
/// rollback wins, and the waiting approval step is cut short when it starts.
#[test]
fn an_approval_arriving_as_the_background_trigger_trips_is_journaled_and_the_rollback_wins() {
    let mut ev = begin(
        &[("deploy", "run"), ("soak", "watch"), ("ok", "approval")],
        &[("undo", "run")],
    );
    if let Event::ReleaseStarted { steps, trust, .. } = &mut ev {
        steps[1].background = true;
        steps[1].duration_ms = Some(600_000);
        steps[2].approvers = Some(vec!["bob".into(), "carol".into()]);
        steps[2].reason_required = false;
        steps[2].min_approvals = Some(2);
        *trust = Some(Box::new(crate::release::ReleaseTrust {
            signed_approvals: true,
            operator_principals: vec!["alice".into()],
            operator_key: Some("SHA256:alice".into()),
        }));
    }
    let mut c = Core::new(ReleaseState::default(), Policy::default());
    c.update(Msg::Begin(ev), t(0)).unwrap();
    c.update(Msg::Next, t(1)).unwrap();
    c.update(done("deploy", Outcome::Succeeded), t(1)).unwrap();
    c.update(Msg::Next, t(2)).unwrap(); // soak runs in the background
    c.update(Msg::Next, t(3)).unwrap(); // ok waits for two approvals
    assert_eq!(status(&c, "ok"), StepStatus::Running);
    c.update(arm(), t(60)).unwrap();
    assert!(c.st.armed.is_some());
    let bob = crate::release::SignedApproval {
        step: "ok".into(),
        principal: "bob".into(),
        key: "SHA256:bob".into(),
        approve: true,
        reason: String::new(),
        payload: "{}".into(),
        signature: "-----BEGIN SSH SIGNATURE-----".into(),
        consumed: None,
    };
    let fx = c.update(Msg::Signed(Box::new(bob)), t(61)).unwrap();
    assert!(quiet_kinds(&fx).contains(&"approval".to_owned()), "{fx:?}");
    assert!(
        c.st.armed.is_some(),
        "an approval does not disarm the rollback"
    );
    assert_eq!(status(&c, "ok"), StepStatus::Running, "1/2: still waiting");
    let fx = c
        .update(
            Msg::Rollback {
                by: "alice".into(),
                target: None,
            },
            t(62),
        )
        .unwrap();
    assert_eq!(c.st.phase, ReleasePhase::RollingBack, "{fx:?}");
    assert!(
        quiet_kinds(&fx).contains(&"execute Rollback 0".to_owned()),
        "the rollback starts at once: the approval step is cut short: {fx:?}"
    );
    assert_ne!(status(&c, "ok"), StepStatus::Running);
    assert_ne!(status(&c, "soak"), StepStatus::Running);
}
