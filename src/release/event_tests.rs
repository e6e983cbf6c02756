//! Tests of `event`.

use super::*;

#[test]
fn parts_round_trip_keeps_step_out_of_data() {
    let ev = Event::StepFinished {
        step: "deploy".into(),
        phase: Phase::Main,
        outcome: Outcome::Failed,
        exit_code: Some(3),
        reason: Some("exit 3".into()),
        duration_ms: 1200,
        captures: BTreeMap::new(),
    };
    let (kind, step, data) = ev.to_parts();
    assert_eq!(kind, "step-finished");
    assert_eq!(step.as_deref(), Some("deploy"));
    assert!(data.get("step").is_none());
    assert_eq!(data["outcome"], "failed");
    let back = Event::from_parts(&kind, step.as_deref(), &data).expect("parses");
    assert_eq!(back, ev);
}

#[test]
fn stepless_event_has_null_step() {
    let ev = Event::ReleaseFinished {
        outcome: ReleaseOutcome::RolledBack,
    };
    let (kind, step, data) = ev.to_parts();
    assert_eq!(kind, "release-finished");
    assert_eq!(step, None);
    assert_eq!(data["outcome"], "rolled-back");
    assert_eq!(Event::from_parts(&kind, None, &data), Ok(ev));
}

#[test]
fn unknown_kind_is_an_error() {
    assert!(Event::from_parts("bogus", None, &Value::Null).is_err());
}
