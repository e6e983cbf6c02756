//! Table tests of the release core's transitions, legal and illegal, and replay equality.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;

use chrono::{DateTime, TimeZone, Utc};
use proptest::prelude::*;

use super::*;

fn t(secs: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(1_760_000_000 + secs, 0).unwrap()
}

fn info(id: &str, kind: &str) -> StepInfo {
    StepInfo {
        id: id.into(),
        title: format!("{kind} {id}"),
        kind: kind.into(),
        evidence_required: kind == "manual",
        approvers: (kind == "approval").then(|| vec!["alice".to_owned()]),
        reason_required: kind == "approval",
        duration_ms: None,
    }
}

fn begin(steps: &[(&str, &str)], rollback: &[(&str, &str)]) -> Event {
    Event::ReleaseStarted {
        release_id: "app-1.0.0-20261125T060000Z".into(),
        name: "app".into(),
        environment: "staging".into(),
        version: "1.0.0".into(),
        protected: false,
        runbook: "flightdeck.toml".into(),
        previous: Some("v0.9.0".into()),
        lkg: None,
        drill: false,
        steps: steps.iter().map(|(i, k)| info(i, k)).collect(),
        rollback_steps: rollback.iter().map(|(i, k)| info(i, k)).collect(),
    }
}

/// A harness that applies messages and keeps every journaled event with its time.
struct H {
    st: ReleaseState,
    clock: i64,
    log: Vec<(Event, DateTime<Utc>)>,
}

impl H {
    fn new(steps: &[(&str, &str)], rollback: &[(&str, &str)]) -> Self {
        let mut h = H {
            st: ReleaseState::default(),
            clock: 0,
            log: Vec::new(),
        };
        h.ok(Msg::Begin(begin(steps, rollback)));
        h
    }
    fn send(&mut self, m: Msg) -> Result<Vec<Effect>, Refusal> {
        self.clock += 1;
        let before = self.st.clone();
        let r = update(&mut self.st, m, t(self.clock));
        match &r {
            Ok(effects) => {
                for e in effects {
                    if let Effect::Journal(ev) = e {
                        self.log.push((ev.clone(), t(self.clock)));
                    }
                }
            }
            Err(_) => assert_eq!(self.st, before, "a refusal must leave the state unchanged"),
        }
        r
    }
    fn ok(&mut self, m: Msg) -> Vec<Effect> {
        self.send(m).expect("accepted")
    }
    fn refused(&mut self, m: Msg) -> String {
        self.send(m).expect_err("refused").0
    }
    fn status(&self, phase: Phase, i: usize) -> StepStatus {
        self.st.list(phase)[i].status.clone()
    }
    fn finish(&mut self, phase: Phase, id: &str, outcome: Outcome) -> Vec<Effect> {
        self.ok(Msg::Finished {
            phase,
            step: id.into(),
            outcome,
            exit_code: Some(i32::from(outcome != Outcome::Succeeded)),
            reason: (outcome != Outcome::Succeeded).then(|| "exit 1".into()),
            duration_ms: 5,
            captures: BTreeMap::new(),
        })
    }
    fn replayed(&self) -> ReleaseState {
        ReleaseState::replay(self.log.iter().map(|(e, at)| (e, *at)))
    }
}

fn kinds(effects: &[Effect]) -> Vec<String> {
    effects
        .iter()
        .map(|e| match e {
            Effect::Journal(ev) => ev.kind(),
            Effect::Execute { phase, index } => format!("execute {phase:?} {index}"),
            Effect::Cancel { phase, index } => format!("cancel {phase:?} {index}"),
            Effect::Control { control, .. } => format!("control {control:?}"),
        })
        .collect()
}

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

#[test]
fn a_watch_is_extended_and_ended_with_journaled_notes() {
    let mut h = H::new(&[("watch", "watch")], &[]);
    assert!(
        h.refused(Msg::ExtendWatch { by_ms: 300_000 })
            .contains("no watch step is running")
    );
    h.ok(Msg::Next);
    let fx = h.ok(Msg::ExtendWatch { by_ms: 300_000 });
    assert_eq!(kinds(&fx), ["note", "control Extend(300000)"]);
    assert_eq!(h.st.steps[0].extended_ms, 300_000);
    assert!(
        h.refused(Msg::EndWatch { note: " ".into() })
            .contains("needs a note")
    );
    let fx = h.ok(Msg::EndWatch {
        note: "flat metrics".into(),
    });
    assert_eq!(kinds(&fx), ["note", "control End"]);
    // The executor then reports success; replay keeps the extension.
    h.finish(Phase::Main, "watch", Outcome::Succeeded);
    assert_eq!(h.replayed().steps[0].extended_ms, 300_000);
}

#[test]
fn watch_keys_need_a_running_watch_not_another_step() {
    let mut h = H::new(&[("a", "run")], &[]);
    h.ok(Msg::Next);
    assert!(
        h.refused(Msg::EndWatch { note: "x".into() })
            .contains("not a watch step")
    );
}
