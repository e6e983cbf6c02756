//! Replay equals live, and a property test of the invariants.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use proptest::prelude::*;
use std::collections::BTreeMap;

use super::*;

#[test]
fn replay_rebuilds_the_identical_state() {
    let mut h = H::new(
        &[("qa", "manual"), ("a", "run"), ("b", "run")],
        &[("r1", "run")],
    );
    h.ok(Msg::Next);
    h.ok(Msg::Evidence {
        note: "QA-1".into(),
        source: "operator".into(),
    });
    h.ok(Msg::Next);
    h.ok(Msg::Output {
        phase: Phase::Main,
        step: "a".into(),
        stream: "stdout".into(),
        lines: vec!["hello".into()],
    });
    h.finish(Phase::Main, "a", Outcome::Failed);
    h.ok(Msg::Skip {
        reason: "flake".into(),
    });
    h.ok(Msg::Next);
    h.ok(Msg::Rollback {
        by: "alice".into(),
        target: Some("v0.9.0".into()),
    });
    h.finish(Phase::Rollback, "r1", Outcome::Succeeded);
    // Through the journal's JSON form, as resume reads it.
    let reparsed: Vec<(Event, DateTime<Utc>)> = h
        .log
        .iter()
        .map(|(e, at)| {
            let (k, s, d) = e.to_parts();
            let text = serde_json::to_string(&d).unwrap();
            let d: serde_json::Value = serde_json::from_str(&text).unwrap();
            (Event::from_parts(&k, s.as_deref(), &d).unwrap(), *at)
        })
        .collect();
    let replayed = ReleaseState::replay(reparsed.iter().map(|(e, at)| (e, *at)));
    assert_eq!(replayed, h.st);
}

#[derive(Debug, Clone)]
enum Op {
    Next,
    Ok,
    Fail,
    Retry,
    Skip,
    Evidence,
    Rollback,
    Cancel,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        Just(Op::Next),
        Just(Op::Ok),
        Just(Op::Fail),
        Just(Op::Retry),
        Just(Op::Skip),
        Just(Op::Evidence),
        Just(Op::Rollback),
        Just(Op::Cancel),
    ]
}

proptest! {
    /// Whatever the operator does: at most one step runs, no step after a blocking one
    /// has started, refusals change nothing (checked in `send`), and replay equals live.
    #[test]
    fn invariants_hold_for_any_sequence(ops in proptest::collection::vec(op(), 0..40)) {
        let mut h = H::new(&[("qa", "manual"), ("a", "run"), ("b", "run")], &[("r1", "run")]);
        for o in ops {
            let msg = match o {
                Op::Next => Msg::Next,
                Op::Retry => Msg::Retry,
                Op::Skip => Msg::Skip { reason: "because".into() },
                Op::Cancel => Msg::Cancel,
                Op::Evidence => Msg::Evidence { note: "ev".into(), source: "operator".into() },
                Op::Rollback => Msg::Rollback { by: "alice".into(), target: None },
                Op::Ok | Op::Fail => match h.st.running() {
                    Some((p, i)) => Msg::Finished {
                        phase: p,
                        step: h.st.list(p)[i].id.clone(),
                        outcome: if matches!(o, Op::Ok) { Outcome::Succeeded } else { Outcome::Failed },
                        exit_code: None,
                        reason: None,
                        duration_ms: 1,
                        captures: BTreeMap::new(),
                    },
                    None => Msg::Next,
                },
            };
            let _ = h.send(msg);
            let running = h.st.steps.iter().chain(&h.st.rollback_steps)
                .filter(|s| s.status == StepStatus::Running).count();
            prop_assert!(running <= 1);
            if let Some(block) = h.st.steps.iter().position(|s| s.status.is_blocking()) {
                prop_assert!(h.st.steps[block + 1..].iter().all(|s| s.attempts == 0));
            }
            if h.st.steps[0].status == StepStatus::Succeeded {
                prop_assert!(h.st.steps[0].evidence.is_some());
            }
        }
        let mut live = h.st.clone();
        for s in live.steps.iter_mut().chain(live.rollback_steps.iter_mut()) {
            if s.status == StepStatus::Running { s.status = StepStatus::Interrupted; }
        }
        prop_assert_eq!(h.replayed(), live);
    }
}
