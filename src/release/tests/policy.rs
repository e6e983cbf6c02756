//! The release policy through `Core::update` with a fake clock: the auto-rollback countdown (a
//! timer effect), when it applies (the cases the cockpit and plain mode used to decide
//! differently), a rollback that waits for the running step, and exit codes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use super::*;
use crate::release::policy::{Core, Mode, Policy};
use crate::release::{TimerId, exit_code};

const DELAY: Duration = Duration::from_secs(30);

fn core(policy: Policy) -> Core {
    let mut c = Core::new(ReleaseState::default(), policy);
    c.update(
        Msg::Begin(begin(
            &[("deploy", "run"), ("watch", "watch"), ("tag", "git-tag")],
            &[("rollback-1", "run")],
        )),
        t(0),
    )
    .unwrap();
    c
}

fn auto() -> Policy {
    Policy::auto_rollback(true, false, false, false, false, DELAY)
}

fn finished(id: &str, outcome: Outcome) -> Msg {
    Msg::Finished {
        phase: Phase::Main,
        step: id.into(),
        outcome,
        exit_code: None,
        reason: (outcome != Outcome::Succeeded).then(|| "tripped".into()),
        duration_ms: 1,
        captures: BTreeMap::new(),
    }
}

/// Deploy done, the watch running, then its trigger trips: `Arm`, then the watch fails.
fn trip(c: &mut Core) -> Vec<Effect> {
    c.update(Msg::Next, t(1)).unwrap();
    c.update(finished("deploy", Outcome::Succeeded), t(2))
        .unwrap();
    c.update(Msg::Next, t(3)).unwrap();
    let mut fx = c
        .update(
            Msg::Arm {
                reason: "trigger error-rate tripped".into(),
                target: Some("v0.9.0".into()),
            },
            t(10),
        )
        .unwrap();
    fx.extend(c.update(finished("watch", Outcome::Failed), t(10)).unwrap());
    fx
}

fn timers(fx: &[Effect]) -> Vec<DateTime<Utc>> {
    fx.iter()
        .filter_map(|e| match e {
            Effect::Timer {
                id: TimerId::Countdown,
                at,
            } => Some(*at),
            _ => None,
        })
        .collect()
}

fn journaled(fx: &[Effect]) -> Vec<String> {
    fx.iter()
        .filter_map(|e| match e {
            Effect::Journal(ev) => Some(ev.kind()),
            _ => None,
        })
        .collect()
}

#[test]
fn a_trip_starts_the_countdown_and_the_timer_fires_the_rollback() {
    let mut c = core(auto());
    let fx = trip(&mut c);
    assert_eq!(
        timers(&fx),
        [t(40)],
        "one countdown timer, auto_delay after the trip"
    );
    assert_eq!(c.view().countdown, Some(t(40)));
    // A timer that comes early (a clock skew) is set again, and nothing happens yet.
    let fx = c
        .update(
            Msg::Timer {
                id: TimerId::Countdown,
            },
            t(39),
        )
        .unwrap();
    assert_eq!(timers(&fx), [t(40)]);
    assert_eq!(c.st.phase, ReleasePhase::InProgress);
    let fx = c
        .update(
            Msg::Timer {
                id: TimerId::Countdown,
            },
            t(40),
        )
        .unwrap();
    assert_eq!(
        journaled(&fx),
        ["rollback-confirmed", "rollback-started", "step-started"]
    );
    assert!(fx.iter().any(|e| matches!(
        e,
        Effect::Journal(Event::RollbackConfirmed { by, target }) if by == "auto" && target.as_deref() == Some("v0.9.0")
    )));
    assert_eq!(c.st.phase, ReleasePhase::RollingBack);
    assert_eq!(c.view().countdown, None);
}

#[test]
fn a_key_stops_the_countdown_and_the_rollback_stays_armed() {
    let mut c = core(auto());
    trip(&mut c);
    c.update(Msg::StopCountdown, t(12)).unwrap();
    assert_eq!(c.view().countdown, None);
    assert!(c.st.armed.is_some());
    // The stale timer then does nothing, and no second countdown starts for this arming.
    let fx = c
        .update(
            Msg::Timer {
                id: TimerId::Countdown,
            },
            t(40),
        )
        .unwrap();
    assert!(fx.is_empty(), "{fx:?}");
    assert_eq!(c.st.phase, ReleasePhase::InProgress);
    let fx = c.update(Msg::Retry, t(41)).unwrap();
    assert!(timers(&fx).is_empty());
    assert!(
        c.update(Msg::StopCountdown, t(42)).is_err(),
        "nothing to stop"
    );
}

#[test]
fn no_countdown_where_the_policy_says_a_person_decides() {
    // protected, target = "pick", and headless without --auto-approve: the cases the cockpit
    // and plain mode used to decide differently.
    for (protected, pick, headless, auto_approve) in [
        (true, false, false, false),
        (false, true, false, false),
        (false, true, true, true),
        (false, false, true, false),
    ] {
        let policy = Policy::auto_rollback(true, protected, pick, headless, auto_approve, DELAY);
        assert_eq!(policy.auto_delay_ms, None);
        let mut c = core(policy);
        let fx = trip(&mut c);
        assert!(timers(&fx).is_empty(), "{protected} {pick} {headless}");
        assert!(c.st.armed.is_some());
    }
    // Headless with --auto-approve, and the cockpit: the same countdown.
    for headless in [true, false] {
        let p = Policy::auto_rollback(true, false, false, headless, true, DELAY);
        assert_eq!(p.auto_delay_ms, Some(30_000));
    }
    assert_eq!(
        Policy::auto_rollback(false, false, false, false, true, DELAY).auto_delay_ms,
        None
    );
}

#[test]
fn a_countdown_that_fires_while_a_step_runs_waits_for_it() {
    let mut c = core(auto());
    c.update(Msg::Next, t(1)).unwrap();
    // The trigger arms the rollback while the deploy still runs.
    let fx = c
        .update(
            Msg::Arm {
                reason: "trigger tripped".into(),
                target: None,
            },
            t(2),
        )
        .unwrap();
    assert_eq!(timers(&fx), [t(32)]);
    let fx = c
        .update(
            Msg::Timer {
                id: TimerId::Countdown,
            },
            t(32),
        )
        .unwrap();
    assert!(journaled(&fx).is_empty(), "{fx:?}");
    assert!(c.view().rollback_waits);
    assert_eq!(c.st.steps[0].status, StepStatus::Running);
    let fx = c
        .update(finished("deploy", Outcome::Succeeded), t(50))
        .unwrap();
    assert_eq!(
        journaled(&fx),
        [
            "step-finished",
            "rollback-confirmed",
            "rollback-started",
            "step-started"
        ]
    );
    assert!(!c.view().rollback_waits);
}

#[test]
fn an_operators_rollback_waits_for_a_deploy_but_cuts_a_watch_short() {
    let mut c = core(Policy::default());
    c.update(Msg::Next, t(1)).unwrap();
    let fx = c
        .update(
            Msg::Rollback {
                by: "alice".into(),
                target: None,
            },
            t(2),
        )
        .unwrap();
    assert!(fx.is_empty(), "the deploy runs on: {fx:?}");
    assert!(
        c.update(
            Msg::Rollback {
                by: "alice".into(),
                target: None
            },
            t(3)
        )
        .unwrap_err()
        .0
        .contains("already waits")
    );
    // x cancels the deploy; the rollback then starts.
    let fx = c.update(Msg::Cancel, t(4)).unwrap();
    assert!(matches!(fx[..], [Effect::Cancel { index: 0, .. }]));
    let fx = c
        .update(finished("deploy", Outcome::Cancelled), t(5))
        .unwrap();
    assert!(journaled(&fx).contains(&"rollback-started".to_owned()));
    // A running watch is cut short by a rollback, as before.
    let mut c = core(Policy::default());
    c.update(Msg::Next, t(1)).unwrap();
    c.update(finished("deploy", Outcome::Succeeded), t(2))
        .unwrap();
    c.update(Msg::Next, t(3)).unwrap();
    let fx = c
        .update(
            Msg::Rollback {
                by: "alice".into(),
                target: None,
            },
            t(4),
        )
        .unwrap();
    assert!(
        fx.iter()
            .any(|e| matches!(e, Effect::Cancel { index: 1, .. }))
    );
    assert_eq!(c.st.phase, ReleasePhase::RollingBack);
}

#[test]
fn a_waiting_rollback_does_not_start_after_a_hang_up() {
    let mut c = core(Policy::default());
    c.update(Msg::Next, t(1)).unwrap();
    c.update(
        Msg::Rollback {
            by: "alice".into(),
            target: None,
        },
        t(2),
    )
    .unwrap();
    c.update(
        Msg::Record(Event::OperatorDisconnected {
            reason: "SIGHUP".into(),
        }),
        t(3),
    )
    .unwrap();
    let fx = c
        .update(finished("deploy", Outcome::Succeeded), t(4))
        .unwrap();
    assert_eq!(journaled(&fx), ["step-finished"]);
    assert_eq!(c.st.phase, ReleasePhase::InProgress);
}

#[test]
fn exit_codes_are_the_cores_for_every_front_end() {
    let mut c = core(auto());
    assert_eq!(c.exit_code(Mode::Run), 0, "unfinished on purpose");
    trip(&mut c);
    assert_eq!(c.exit_code(Mode::Run), 1, "stopped on a failed step");
    c.update(
        Msg::Timer {
            id: TimerId::Countdown,
        },
        t(40),
    )
    .unwrap();
    c.update(
        Msg::Finished {
            phase: Phase::Rollback,
            step: "rollback-1".into(),
            outcome: Outcome::Succeeded,
            exit_code: Some(0),
            reason: None,
            duration_ms: 1,
            captures: BTreeMap::new(),
        },
        t(41),
    )
    .unwrap();
    assert_eq!(
        c.st.phase,
        ReleasePhase::Finished(ReleaseOutcome::RolledBack)
    );
    assert_eq!(c.exit_code(Mode::Run), 3);
    assert_eq!(c.exit_code(Mode::Rollback), 0);
    let mut st = ReleaseState {
        phase: ReleasePhase::Finished(ReleaseOutcome::Abandoned),
        ..ReleaseState::default()
    };
    assert_eq!(exit_code(&st, Mode::Run), 1);
    st.phase = ReleasePhase::Finished(ReleaseOutcome::Completed);
    assert_eq!(exit_code(&st, Mode::Run), 0);
}
