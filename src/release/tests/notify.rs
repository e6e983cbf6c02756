//! Notifications through `Core::update` with a fake clock: which events give which
//! notifications, and `remind` timers that repeat while an approval waits or the rollback is
//! armed, and stop once it is answered.

use super::*;
use crate::release::TimerId;
use crate::release::policy::{Core, Policy, Reminder};
use crate::runbook::NotifyEvent;

fn core(steps: &[(&str, &str)], reminders: Vec<Reminder>) -> Core {
    let policy = Policy {
        reminders,
        notifies: true,
        ..Policy::default()
    };
    let mut c = Core::new(ReleaseState::default(), policy);
    c.update(Msg::Begin(begin(steps, &[("undo", "run")])), t(0))
        .unwrap();
    c
}

fn every_5m(events: &[NotifyEvent]) -> Vec<Reminder> {
    vec![Reminder {
        index: 0,
        every_ms: 300_000,
        events: events.to_vec(),
    }]
}

/// The notifications among `fx`: `(event, step, message, only)`.
fn notes(fx: &[Effect]) -> Vec<(NotifyEvent, Option<String>, String, Option<usize>)> {
    fx.iter()
        .filter_map(|e| match e {
            Effect::Notify {
                event,
                step,
                message,
                only,
            } => Some((*event, step.clone(), message.clone(), *only)),
            _ => None,
        })
        .collect()
}

fn events(fx: &[Effect]) -> Vec<NotifyEvent> {
    notes(fx).into_iter().map(|n| n.0).collect()
}

fn finished(id: &str, outcome: Outcome, phase: Phase) -> Msg {
    Msg::Finished {
        phase,
        step: id.into(),
        outcome,
        exit_code: None,
        reason: (outcome != Outcome::Succeeded).then(|| "exit 2".into()),
        duration_ms: 1,
        captures: BTreeMap::new(),
    }
}

#[test]
fn a_trip_notifies_trigger_tripped_then_rollback_armed_after_the_records() {
    let mut c = core(&[("soak", "watch")], Vec::new());
    c.update(Msg::Next, t(1)).unwrap();
    let fx = c
        .update(
            Msg::Record(Event::TriggerTripped {
                step: Some("soak".into()),
                gate: "api".into(),
                message: "250 fails `result <= baseline * 2`".into(),
                measurements: vec![],
            }),
            t(2),
        )
        .unwrap();
    assert_eq!(kinds(&fx), ["trigger-tripped", "notify trigger-tripped"]);
    let n = &notes(&fx)[0];
    assert_eq!(n.1.as_deref(), Some("soak"));
    assert_eq!(
        n.2,
        "trigger api tripped: 250 fails `result <= baseline * 2`"
    );
    let fx = c
        .update(
            Msg::Arm {
                reason: "trigger api tripped".into(),
                target: Some("v0.9.0".into()),
            },
            t(2),
        )
        .unwrap();
    assert_eq!(kinds(&fx), ["rollback-armed", "notify rollback-armed"]);
    assert_eq!(
        notes(&fx)[0].2,
        "rollback armed (target v0.9.0): trigger api tripped"
    );
    // The watch fails: that is a failed step too.
    let fx = c
        .update(finished("soak", Outcome::Failed, Phase::Main), t(3))
        .unwrap();
    assert_eq!(events(&fx), [NotifyEvent::StepFailed]);
    assert_eq!(notes(&fx)[0].2, "step soak failed: exit 2");
}

#[test]
fn the_release_ending_notifies_finished_or_rolled_back() {
    let mut c = core(&[("deploy", "run")], Vec::new());
    c.update(Msg::Next, t(1)).unwrap();
    let fx = c
        .update(finished("deploy", Outcome::Succeeded, Phase::Main), t(2))
        .unwrap();
    assert_eq!(events(&fx), [NotifyEvent::ReleaseFinished]);
    assert_eq!(notes(&fx)[0].2, "app 1.0.0 in staging finished: completed");

    let mut c = core(&[("deploy", "run")], Vec::new());
    c.update(Msg::Next, t(1)).unwrap();
    c.update(finished("deploy", Outcome::Failed, Phase::Main), t(2))
        .unwrap();
    c.update(
        Msg::Rollback {
            by: "alice".into(),
            target: None,
        },
        t(3),
    )
    .unwrap();
    let fx = c
        .update(finished("undo", Outcome::Succeeded, Phase::Rollback), t(4))
        .unwrap();
    assert_eq!(events(&fx), [NotifyEvent::ReleaseRolledBack]);
}

#[test]
fn a_successful_step_and_plain_records_notify_nothing() {
    let mut c = core(&[("deploy", "run"), ("tag", "git-tag")], Vec::new());
    let fx = c.update(Msg::Next, t(1)).unwrap();
    assert!(notes(&fx).is_empty());
    let fx = c
        .update(finished("deploy", Outcome::Succeeded, Phase::Main), t(2))
        .unwrap();
    assert!(notes(&fx).is_empty());
    let fx = c
        .update(
            Msg::Record(Event::GateResult {
                step: None,
                gate: "api".into(),
                state: "pass".into(),
                value: serde_json::json!(1),
                message: "ok".into(),
                expected: None,
            }),
            t(3),
        )
        .unwrap();
    assert!(notes(&fx).is_empty());
}

#[test]
fn a_warning_notifies_once_per_gate_and_step() {
    let mut c = core(&[("soak", "watch")], Vec::new());
    c.update(Msg::Next, t(1)).unwrap();
    let warn = |gate: &str| {
        Msg::Record(Event::GateResult {
            step: Some("soak".into()),
            gate: gate.into(),
            state: "warn".into(),
            value: serde_json::json!(180),
            message: "180 ms".into(),
            expected: None,
        })
    };
    let fx = c.update(warn("api"), t(2)).unwrap();
    assert_eq!(events(&fx), [NotifyEvent::Warning]);
    assert_eq!(notes(&fx)[0].2, "api is in the warn band: 180 ms");
    assert!(notes(&c.update(warn("api"), t(3)).unwrap()).is_empty());
    assert_eq!(
        events(&c.update(warn("db"), t(4)).unwrap()),
        [NotifyEvent::Warning]
    );
}

#[test]
fn reminders_repeat_while_an_approval_waits_and_stop_when_it_is_answered() {
    let mut c = core(
        &[("go", "approval"), ("deploy", "run")],
        every_5m(&[NotifyEvent::ApprovalWaiting]),
    );
    let fx = c.update(Msg::Next, t(1)).unwrap();
    let n = notes(&fx);
    assert_eq!(n.len(), 1);
    assert_eq!(n[0].0, NotifyEvent::ApprovalWaiting);
    assert_eq!(n[0].1.as_deref(), Some("go"));
    assert_eq!(n[0].3, None, "the first goes to every entry");
    let remind = TimerId::Remind {
        index: 0,
        event: NotifyEvent::ApprovalWaiting,
    };
    assert!(fx.contains(&Effect::Timer {
        id: remind,
        at: t(301)
    }));

    // Due while still waiting: repeated to entry 0, and the next one set.
    let fx = c.update(Msg::Timer { id: remind }, t(301)).unwrap();
    let n = notes(&fx);
    assert_eq!(n.len(), 1);
    assert_eq!(n[0].3, Some(0));
    assert!(
        n[0].2
            .starts_with("reminder: step go still waits for an approval"),
        "{}",
        n[0].2
    );
    assert!(fx.contains(&Effect::Timer {
        id: remind,
        at: t(601)
    }));
    let fx = c.update(Msg::Timer { id: remind }, t(601)).unwrap();
    assert_eq!(notes(&fx).len(), 1);

    // Answered: the next reminder finds nothing waiting, and sets no other.
    c.update(
        Msg::Approve {
            name: "alice".into(),
            reason: "CAB-77".into(),
            source: "operator".into(),
        },
        t(700),
    )
    .unwrap();
    let fx = c.update(Msg::Timer { id: remind }, t(901)).unwrap();
    assert_eq!(fx, vec![]);
}

#[test]
fn rollback_armed_reminders_last_until_the_rollback_starts() {
    let mut c = core(
        &[("soak", "watch"), ("tag", "git-tag")],
        every_5m(&[NotifyEvent::RollbackArmed]),
    );
    c.update(Msg::Next, t(1)).unwrap();
    let fx = c
        .update(
            Msg::Arm {
                reason: "trigger api tripped".into(),
                target: None,
            },
            t(10),
        )
        .unwrap();
    let remind = TimerId::Remind {
        index: 0,
        event: NotifyEvent::RollbackArmed,
    };
    assert!(fx.contains(&Effect::Timer {
        id: remind,
        at: t(310)
    }));
    c.update(finished("soak", Outcome::Failed, Phase::Main), t(11))
        .unwrap();
    let fx = c.update(Msg::Timer { id: remind }, t(310)).unwrap();
    assert_eq!(events(&fx), [NotifyEvent::RollbackArmed]);
    assert_eq!(
        notes(&fx)[0].2,
        "reminder: the rollback is still armed: trigger api tripped"
    );
    c.update(
        Msg::Rollback {
            by: "alice".into(),
            target: None,
        },
        t(400),
    )
    .unwrap();
    assert_eq!(c.update(Msg::Timer { id: remind }, t(610)).unwrap(), vec![]);
}

#[test]
fn no_reminder_without_remind_and_none_for_other_events() {
    let mut c = core(&[("go", "approval")], Vec::new());
    let fx = c.update(Msg::Next, t(1)).unwrap();
    assert_eq!(events(&fx), [NotifyEvent::ApprovalWaiting]);
    assert!(!fx.iter().any(|e| matches!(e, Effect::Timer { .. })));
    // A reminder timer for an entry that has no `remind` does nothing.
    let id = TimerId::Remind {
        index: 3,
        event: NotifyEvent::ApprovalWaiting,
    };
    assert_eq!(c.update(Msg::Timer { id }, t(400)).unwrap(), vec![]);
}
