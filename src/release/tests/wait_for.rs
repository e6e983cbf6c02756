//! `wait_for` (issue 24) through `Core::update` with a fake clock: a step that waits for a
//! background watch is held while the watch runs (its start refused with the reason), released
//! when the watch's time ends, when `e` ends it, or when it was skipped; never started after a
//! trip; and the hold is rebuilt by replaying the journaled events.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::background::{arm, evidence, quiet_kinds};
use super::*;
use crate::release::policy::{BaselinePlan, Core, Policy};
use crate::release::update::wait_for::{guide_line, released_line};

/// A Core that keeps every journaled event with its time, to replay.
struct W {
    c: Core,
    log: Vec<(Event, DateTime<Utc>)>,
}

impl W {
    /// deploy (run) · soak (background watch, 10 min) · qa (manual) · tag (run, `wait_for =
    /// ["soak"]`) · rollback: undo (run).
    fn new(policy: Policy) -> W {
        let mut ev = begin(
            &[
                ("deploy", "run"),
                ("soak", "watch"),
                ("qa", "manual"),
                ("tag", "run"),
            ],
            &[("undo", "run")],
        );
        if let Event::ReleaseStarted { steps, .. } = &mut ev {
            steps[1].background = true;
            steps[1].duration_ms = Some(600_000);
            steps[3].wait_for = vec!["soak".into()];
        }
        let mut w = W {
            c: Core::new(ReleaseState::default(), policy),
            log: Vec::new(),
        };
        w.ok(Msg::Begin(ev), 0);
        w
    }

    fn send(&mut self, m: Msg, secs: i64) -> Result<Vec<Effect>, Refusal> {
        let before = self.c.st.clone();
        let r = self.c.update(m, t(secs));
        match &r {
            Ok(fx) => {
                for e in fx {
                    if let Effect::Journal(ev) = e {
                        self.log.push((ev.clone(), t(secs)));
                    }
                }
            }
            Err(_) => assert_eq!(self.c.st, before, "a refusal leaves the state unchanged"),
        }
        r
    }

    fn ok(&mut self, m: Msg, secs: i64) -> Vec<Effect> {
        self.send(m, secs).expect("accepted")
    }

    fn done(&mut self, id: &str, outcome: Outcome, secs: i64) -> Vec<Effect> {
        self.ok(super::background::done(id, outcome), secs)
    }

    fn status(&self, id: &str) -> StepStatus {
        super::background::status(&self.c, id)
    }

    fn replayed(&self) -> ReleaseState {
        ReleaseState::replay(self.log.iter().map(|(e, at)| (e, *at)))
    }

    /// deploy done, soak started at t=2 in the background, qa done at t=4: the checklist is
    /// at `tag`.
    fn at_tag(policy: Policy) -> W {
        let mut w = W::new(policy);
        w.ok(Msg::Next, 1);
        w.done("deploy", Outcome::Succeeded, 1);
        w.ok(Msg::Next, 2);
        w.ok(Msg::Next, 3);
        w.ok(evidence(), 4);
        assert_eq!(w.c.st.current(), Some((Phase::Main, 3)), "at tag");
        w
    }
}

#[test]
fn the_step_is_held_while_the_watch_runs() {
    let mut w = W::at_tag(Policy::default());
    assert_eq!(w.status("soak"), StepStatus::Running);
    let h = w.c.st.held().expect("tag is held");
    assert_eq!((h.step.as_str(), h.watch.as_str()), ("tag", "soak"));
    // 10 minutes from t=2, at t=11: 9:51 left.
    let why = w.send(Msg::Next, 11).unwrap_err().0;
    assert_eq!(why, "step tag waits for background watch soak (9:51 left)");
    assert_eq!(
        guide_line(&w.c.st, t(11)).as_deref(),
        Some("tag waits for background watch soak: 9:51 left")
    );
    // The bare state machine refuses it too (the cockpit checks a copy with it).
    let mut st = w.c.st.clone();
    let why = update(&mut st, Msg::Next, t(11)).unwrap_err().0;
    assert_eq!(why, "step tag waits for background watch soak (9:51 left)");
    assert_eq!(w.status("tag"), StepStatus::Pending);
    assert_eq!(w.c.st.steps[3].attempts, 0);
    assert_eq!(released_line(&w.c.st, "tag"), None);
}

#[test]
fn the_step_is_released_when_the_watch_time_ends() {
    let mut w = W::at_tag(Policy::default());
    w.send(Msg::Next, 300).unwrap_err();
    let fx = w.done("soak", Outcome::Succeeded, 602);
    assert_eq!(
        quiet_kinds(&fx),
        vec!["step-finished"],
        "the watch passed; the release goes on"
    );
    assert_eq!(w.c.st.held(), None);
    assert_eq!(guide_line(&w.c.st, t(602)), None);
    assert_eq!(
        released_line(&w.c.st, "tag").as_deref(),
        Some("step tag no longer waits: background watch soak has ended")
    );
    let fx = w.ok(Msg::Next, 603);
    assert_eq!(quiet_kinds(&fx), vec!["step-started", "execute Main 3"]);
    let fx = w.done("tag", Outcome::Succeeded, 604);
    assert!(
        quiet_kinds(&fx).contains(&"release-finished".to_owned()),
        "{fx:?}"
    );
}

#[test]
fn e_ends_the_watch_and_releases_the_step() {
    let mut w = W::at_tag(Policy::default());
    // `e` while held acts on the watch the step waits for.
    let fx = w.ok(
        Msg::EndWatch {
            note: "dashboards are flat".into(),
        },
        30,
    );
    assert_eq!(quiet_kinds(&fx), vec!["note", "control End"]);
    let Effect::Control { index, .. } = fx[1] else {
        panic!("{fx:?}")
    };
    assert_eq!(index, 1, "soak is ended");
    // Held until the watch reports that it ended.
    assert!(w.c.st.held().is_some());
    w.send(Msg::Next, 30).unwrap_err();
    w.done("soak", Outcome::Succeeded, 31);
    assert_eq!(w.c.st.held(), None);
    let fx = w.ok(Msg::Next, 32);
    assert_eq!(quiet_kinds(&fx), vec!["step-started", "execute Main 3"]);
}

#[test]
fn plus_extends_the_watch_the_step_waits_for() {
    let mut w = W::at_tag(Policy::default());
    let fx = w.ok(Msg::ExtendWatch { by_ms: 300_000 }, 11);
    assert_eq!(quiet_kinds(&fx), vec!["note", "control Extend(300000)"]);
    let why = w.send(Msg::Next, 11).unwrap_err().0;
    assert_eq!(why, "step tag waits for background watch soak (14:51 left)");
}

#[test]
fn after_a_trip_the_held_step_never_starts() {
    let mut w = W::at_tag(Policy::default());
    let why = w.send(Msg::Next, 30).unwrap_err().0;
    assert!(
        why.starts_with("step tag waits for"),
        "held before the trip: {why}"
    );
    let fx = w.ok(arm(), 60);
    assert_eq!(quiet_kinds(&fx), vec!["rollback-armed"]);
    w.done("soak", Outcome::Failed, 60);
    assert!(matches!(w.status("soak"), StepStatus::Failed(_)));
    assert_eq!(w.c.st.held(), None, "the checklist stops at the watch");
    assert_eq!(released_line(&w.c.st, "tag"), None, "tag is not released");
    let why = w.send(Msg::Next, 61).unwrap_err().0;
    assert!(why.starts_with("step `soak` failed"), "{why}");
    let fx = w.ok(
        Msg::Rollback {
            by: "alice".into(),
            target: Some("v0.9.0".into()),
        },
        62,
    );
    let k = quiet_kinds(&fx);
    assert!(k.contains(&"rollback-started".to_owned()), "{k:?}");
    assert!(k.contains(&"execute Rollback 0".to_owned()), "{k:?}");
    w.ok(
        Msg::Finished {
            phase: Phase::Rollback,
            step: "undo".into(),
            outcome: Outcome::Succeeded,
            exit_code: Some(0),
            reason: None,
            duration_ms: 1,
            captures: BTreeMap::new(),
        },
        63,
    );
    assert_eq!(
        w.c.st.phase,
        ReleasePhase::Finished(ReleaseOutcome::RolledBack)
    );
    assert_eq!(w.status("tag"), StepStatus::Pending, "tag never started");
    assert!(
        !w.log
            .iter()
            .any(|(e, _)| matches!(e, Event::StepStarted { step, .. } if step == "tag")),
        "no step-started for tag"
    );
}

#[test]
fn the_rollback_waits_for_no_hold() {
    // A rollback asked for while the step is held starts at once (nothing runs in front).
    let mut w = W::at_tag(Policy::default());
    let fx = w.ok(
        Msg::Rollback {
            by: "alice".into(),
            target: None,
        },
        20,
    );
    let k = quiet_kinds(&fx);
    assert!(k.contains(&"cancel Main 1".to_owned()), "{k:?}");
    assert_eq!(w.c.st.phase, ReleasePhase::RollingBack);
    assert_eq!(w.c.st.held(), None);
}

#[test]
fn a_skipped_watch_counts_as_ended() {
    let mut w = W::new(Policy::default());
    w.ok(Msg::Next, 1);
    w.done("deploy", Outcome::Succeeded, 1);
    w.ok(
        Msg::Skip {
            reason: "soaked in staging".into(),
        },
        2,
    );
    w.ok(Msg::Next, 3);
    w.ok(evidence(), 4);
    assert_eq!(w.c.st.held(), None);
    let fx = w.ok(Msg::Next, 5);
    assert_eq!(quiet_kinds(&fx), vec!["step-started", "execute Main 3"]);
}

#[test]
fn a_watch_waiting_for_its_warnings_to_be_acknowledged_still_holds() {
    let mut w = W::at_tag(Policy::default());
    w.c.st.steps[1].warnings.insert("error-rate".into(), 1);
    w.done("soak", Outcome::Succeeded, 602);
    assert!(w.c.st.steps[1].ack_pending);
    let why = w.send(Msg::Next, 603).unwrap_err().0;
    assert_eq!(
        why,
        "step tag waits for background watch soak (its warnings wait for an acknowledgement)"
    );
    w.ok(
        Msg::AckWarnings {
            note: "a blip".into(),
            source: "operator".into(),
        },
        604,
    );
    assert_eq!(w.c.st.held(), None);
    w.ok(Msg::Next, 605);
    assert_eq!(w.status("tag"), StepStatus::Running);
}

#[test]
fn baselines_are_not_measured_for_a_held_step() {
    let policy = Policy {
        baselines: vec![BaselinePlan {
            gate: "latency".into(),
            before: "tag".into(),
            samples: 3,
        }],
        ..Policy::default()
    };
    let mut w = W::at_tag(policy);
    let why = w.send(Msg::Next, 11).unwrap_err().0;
    assert!(why.starts_with("step tag waits for"), "{why}");
    assert_eq!(w.c.view().baselining, None);
    w.done("soak", Outcome::Succeeded, 602);
    let fx = w.ok(Msg::Next, 603);
    assert_eq!(quiet_kinds(&fx), vec!["baseline latency"]);
}

#[test]
fn replay_rebuilds_the_hold_and_its_release() {
    let mut w = W::at_tag(Policy::default());
    let st = w.replayed();
    assert_eq!(
        st.steps[1].status,
        StepStatus::Running,
        "soak rebuilt running"
    );
    let h = st.held().expect("still held after replay");
    assert_eq!(h.step, "tag");
    let mut resumed = Core::new(st, Policy::default());
    let why = resumed.update(Msg::Next, t(64)).unwrap_err().0;
    assert_eq!(why, "step tag waits for background watch soak (8:58 left)");
    let fx = resumed.update(Msg::ResumeBackground, t(64)).unwrap();
    assert_eq!(quiet_kinds(&fx), vec!["note", "execute Main 1"]);

    w.done("soak", Outcome::Succeeded, 602);
    let st = w.replayed();
    assert_eq!(st.held(), None, "released after replay");
    let mut resumed = Core::new(st, Policy::default());
    let fx = resumed.update(Msg::Next, t(700)).unwrap();
    assert_eq!(quiet_kinds(&fx), vec!["step-started", "execute Main 3"]);
}

#[test]
fn wait_for_is_journaled_only_when_set() {
    let w = W::new(Policy::default());
    let Some((ev @ Event::ReleaseStarted { .. }, _)) = w.log.first() else {
        panic!("{:?}", w.log.first())
    };
    let json = serde_json::to_value(ev).unwrap();
    assert_eq!(
        json["steps"][3]["wait_for"],
        serde_json::json!(["soak"]),
        "{json}"
    );
    assert!(
        json["steps"][2].get("wait_for").is_none(),
        "absent when empty: {json}"
    );
    let back: Event = serde_json::from_value(json).unwrap();
    assert_eq!(&back, ev);
}
