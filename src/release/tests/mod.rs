//! Table tests of the release core's transitions, legal and illegal, and replay equality:
//! the harness here, the tests by area in the files beside it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;

use chrono::{DateTime, TimeZone, Utc};

use super::*;

mod approvals;
mod background;
mod baseline;
mod notify;
mod policy;
mod replay;
mod rollback;
mod steps;
mod wait_for;
mod warn;
mod watch;

pub(super) fn t(secs: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(1_760_000_000 + secs, 0).unwrap()
}

pub(super) fn info(id: &str, kind: &str) -> StepInfo {
    StepInfo {
        id: id.into(),
        title: format!("{kind} {id}"),
        kind: kind.parse().unwrap(),
        evidence_required: kind == "manual",
        approvers: (kind == "approval").then(|| vec!["alice".to_owned()]),
        reason_required: kind == "approval",
        duration_ms: None,
        background: false,
        min_approvals: None,
        self_approval: false,
        approval_timeout_ms: None,
        wait_for: Vec::new(),
    }
}

pub(super) fn begin(steps: &[(&str, &str)], rollback: &[(&str, &str)]) -> Event {
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
        trust: None,
        runbook_sha256: None,
    }
}

/// A harness that applies messages and keeps every journaled event with its time.
pub(super) struct H {
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

pub(super) fn kinds(effects: &[Effect]) -> Vec<String> {
    effects
        .iter()
        .map(|e| match e {
            Effect::Journal(ev) => ev.kind(),
            Effect::Execute { phase, index } => format!("execute {phase:?} {index}"),
            Effect::Cancel { phase, index } => format!("cancel {phase:?} {index}"),
            Effect::Control { control, .. } => format!("control {control:?}"),
            Effect::Timer { id, .. } => format!("timer {id:?}"),
            Effect::MeasureBaseline { gate, .. } => format!("baseline {gate}"),
            Effect::Notify { event, .. } => format!("notify {event}"),
        })
        .collect()
}
