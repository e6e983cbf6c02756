//! Approval counting through `Core::update` with a fake clock (DESIGN.md §9.2): N distinct
//! signed approvals open the step, duplicates, outsiders and the operator are refused, a
//! rejection fails the step with its reason, the timeout fails it, typed names are refused
//! where approvals are signed, and a replay rebuilds the count.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use crate::release::policy::{Core, Policy};
use crate::release::{ReleaseTrust, SignedApproval, TimerId};

const HOUR_MS: u64 = 3_600_000;

/// A release whose second step `cab` needs `min` approvals of alice, bob, carol; alice (key
/// `SHA256:alice`) operates; approvals are signed when `signed`.
fn release(min: u32, signed: bool, timeout_ms: Option<u64>, self_approval: bool) -> Event {
    let mut ev = begin(&[("deploy", "run"), ("cab", "approval")], &[]);
    if let Event::ReleaseStarted { steps, trust, .. } = &mut ev {
        let cab = &mut steps[1];
        cab.approvers = Some(vec!["alice".into(), "bob".into(), "carol".into()]);
        cab.reason_required = false;
        cab.min_approvals = Some(min);
        cab.approval_timeout_ms = timeout_ms;
        cab.self_approval = self_approval;
        *trust = Some(Box::new(ReleaseTrust {
            signed_approvals: signed,
            operator_principals: vec!["alice".into()],
            operator_key: Some("SHA256:alice".into()),
        }));
    }
    ev
}

/// The core with its journal: every journaled event with its time, for replays.
struct C {
    core: Core,
    log: Vec<(Event, chrono::DateTime<chrono::Utc>)>,
}

impl C {
    fn new(begin: Event) -> C {
        let mut c = C {
            core: Core::new(ReleaseState::default(), Policy::default()),
            log: Vec::new(),
        };
        c.ok(Msg::Begin(begin), 0);
        c.ok(Msg::Next, 1);
        c.ok(
            Msg::Finished {
                phase: Phase::Main,
                step: "deploy".into(),
                outcome: Outcome::Succeeded,
                exit_code: Some(0),
                reason: None,
                duration_ms: 1,
                captures: BTreeMap::new(),
            },
            2,
        );
        c.ok(Msg::Next, 3);
        c
    }
    fn send(&mut self, m: Msg, at: i64) -> Result<Vec<Effect>, Refusal> {
        let before = self.core.st.clone();
        let r = self.core.update(m, t(at));
        match &r {
            Ok(fx) => {
                for e in fx {
                    if let Effect::Journal(ev) = e {
                        self.log.push((ev.clone(), t(at)));
                    }
                }
            }
            Err(_) => assert_eq!(self.core.st, before, "a refusal changes nothing"),
        }
        r
    }
    fn ok(&mut self, m: Msg, at: i64) -> Vec<Effect> {
        self.send(m, at).expect("accepted")
    }
    fn refused(&mut self, m: Msg, at: i64) -> String {
        self.send(m, at).expect_err("refused").0
    }
    fn cab(&self) -> &StepState {
        &self.core.st.steps[1]
    }
}

fn signed(principal: &str, approve: bool, reason: &str) -> Msg {
    Msg::Signed(Box::new(SignedApproval {
        step: "cab".into(),
        principal: principal.into(),
        key: format!("SHA256:{principal}"),
        approve,
        reason: reason.into(),
        payload: format!("{{\"by\":\"{principal}\"}}"),
        signature: format!("-----BEGIN SSH SIGNATURE-----\n{principal}\n"),
        consumed: None,
    }))
}

#[test]
fn two_of_three_open_the_step_and_replay_keeps_the_count() {
    let mut c = C::new(release(2, true, None, false));
    assert_eq!(c.cab().status, StepStatus::Running);
    let fx = c.ok(signed("bob", true, "CAB-77"), 10);
    assert_eq!(kinds(&fx), ["approval"]);
    assert_eq!(c.cab().status, StepStatus::Running, "1/2: still waiting");
    assert_eq!(c.cab().approvals.len(), 1);
    // Replayed from the journal, the count is the same.
    let mid = ReleaseState::replay(c.log.iter().map(|(e, at)| (e, *at)));
    assert_eq!(mid.steps[1].approvals, c.cab().approvals);
    assert_eq!(mid.steps[1].approvals[0].principal, "bob");
    let fx = c.ok(signed("carol", true, ""), 11);
    assert_eq!(
        kinds(&fx),
        ["approval", "step-finished", "release-finished"]
    );
    assert_eq!(c.cab().status, StepStatus::Succeeded);
    let Effect::Journal(Event::Approval {
        name,
        source,
        principal,
        key,
        decision,
        signature,
        ..
    }) = &fx[0]
    else {
        panic!("{fx:?}")
    };
    assert_eq!(name, "carol");
    assert_eq!(source, "signed");
    assert_eq!(principal.as_deref(), Some("carol"));
    assert_eq!(key.as_deref(), Some("SHA256:carol"));
    assert_eq!(decision.as_deref(), Some("approve"));
    assert!(signature.as_deref().unwrap().contains("carol"));
    let end = ReleaseState::replay(c.log.iter().map(|(e, at)| (e, *at)));
    assert_eq!(end.steps[1].approvals.len(), 2);
    assert_eq!(end.steps[1].status, StepStatus::Succeeded);
}

#[test]
fn duplicates_outsiders_and_the_operator_are_refused() {
    let mut c = C::new(release(2, true, None, false));
    c.ok(signed("bob", true, ""), 10);
    let dup = c.refused(signed("bob", true, "again"), 11);
    assert!(
        dup.contains("`bob` already approved `cab` (1/2 approvals)"),
        "{dup}"
    );
    let out = c.refused(signed("mallory", true, ""), 12);
    assert!(
        out.contains("`mallory` may not approve `cab`; approvers: alice, bob, carol"),
        "{out}"
    );
    let own = c.refused(signed("alice", true, ""), 13);
    assert!(
        own.contains("`alice` is the operator of this release and cannot approve it"),
        "{own}"
    );
    // The operator's key under another principal is the operator too.
    let mut by_key = SignedApproval {
        step: "cab".into(),
        principal: "carol".into(),
        key: "SHA256:alice".into(),
        approve: true,
        reason: String::new(),
        payload: "{}".into(),
        signature: "sig".into(),
        consumed: None,
    };
    let own_key = c.refused(Msg::Signed(Box::new(by_key.clone())), 14);
    assert!(own_key.contains("operator"), "{own_key}");
    by_key.step = "deploy".into();
    let not_waiting = c.refused(Msg::Signed(Box::new(by_key)), 15);
    assert!(
        not_waiting.contains("no release waits on step `deploy`"),
        "{not_waiting}"
    );
    assert_eq!(c.cab().approvals.len(), 1);
    assert_eq!(c.cab().status, StepStatus::Running);
}

#[test]
fn self_approval_lets_the_operator_count() {
    let mut c = C::new(release(2, true, None, true));
    c.ok(signed("alice", true, ""), 10);
    c.ok(signed("bob", true, ""), 11);
    assert_eq!(c.cab().status, StepStatus::Succeeded);
}

#[test]
fn a_rejection_fails_the_step_with_its_reason() {
    let mut c = C::new(release(2, true, None, false));
    c.ok(signed("bob", true, ""), 10);
    let no_reason = c.refused(signed("carol", false, " "), 11);
    assert!(
        no_reason.contains("a rejection needs a reason"),
        "{no_reason}"
    );
    let fx = c.ok(signed("carol", false, "the migration is not reviewed"), 12);
    assert_eq!(kinds(&fx), ["approval", "step-finished"]);
    assert_eq!(
        c.cab().status,
        StepStatus::Failed("rejected by carol: the migration is not reviewed".into())
    );
    let replayed = ReleaseState::replay(c.log.iter().map(|(e, at)| (e, *at)));
    assert_eq!(replayed.steps[1].status, c.cab().status);
    // A retry starts a new attempt: its approvals are collected anew.
    c.ok(Msg::Retry, 13);
    assert_eq!(c.cab().status, StepStatus::Running);
    assert!(c.cab().approvals.is_empty());
}

#[test]
fn a_typed_name_is_refused_where_approvals_are_signed() {
    let mut c = C::new(release(1, true, None, false));
    let why = c.refused(
        Msg::Approve {
            name: "bob".into(),
            reason: "ok".into(),
            source: "operator".into(),
        },
        10,
    );
    assert_eq!(
        why,
        "this environment needs signed approvals: run `flightdeck approve cab` from the approver's shell"
    );
}

#[test]
fn typed_names_count_where_approvals_are_not_signed() {
    let mut c = C::new(release(2, false, None, false));
    let approve = |name: &str| Msg::Approve {
        name: name.into(),
        reason: "ok".into(),
        source: "operator".into(),
    };
    let own = c.refused(approve("alice"), 10);
    assert!(own.contains("operator"), "{own}");
    c.ok(approve("bob"), 11);
    assert_eq!(c.cab().status, StepStatus::Running);
    c.refused(approve("bob"), 12);
    c.ok(approve("carol"), 13);
    assert_eq!(c.cab().status, StepStatus::Succeeded);
}

#[test]
fn the_timeout_fails_a_waiting_approval() {
    let mut c = C::new(release(2, true, Some(2 * HOUR_MS), false));
    let due = t(3) + chrono::TimeDelta::hours(2);
    assert_eq!(c.cab().started_at, Some(t(3)));
    let fx = c.ok(signed("bob", true, ""), 10);
    assert!(
        !fx.iter().any(|e| matches!(e, Effect::Timer { .. })),
        "not set again: {fx:?}"
    );
    // An early timer (a clock step) sets itself again.
    let early = c.ok(
        Msg::Timer {
            id: TimerId::ApprovalTimeout,
        },
        100,
    );
    assert_eq!(
        early,
        vec![Effect::Timer {
            id: TimerId::ApprovalTimeout,
            at: due
        }]
    );
    let secs = (due - t(0)).num_seconds();
    let fx = c.ok(
        Msg::Timer {
            id: TimerId::ApprovalTimeout,
        },
        secs,
    );
    assert_eq!(kinds(&fx), ["step-finished"]);
    assert_eq!(
        c.cab().status,
        StepStatus::Failed("approval timed out after 2h (1/2 approvals)".into())
    );
    // A stale timer after the step ended does nothing.
    assert!(
        c.ok(
            Msg::Timer {
                id: TimerId::ApprovalTimeout
            },
            secs + 1
        )
        .is_empty()
    );
}

#[test]
fn the_timer_is_armed_when_the_step_starts() {
    let mut core = Core::new(ReleaseState::default(), Policy::default());
    core.update(Msg::Begin(release(1, true, Some(HOUR_MS), false)), t(0))
        .unwrap();
    core.update(Msg::Next, t(1)).unwrap();
    let fx = core
        .update(
            Msg::Finished {
                phase: Phase::Main,
                step: "deploy".into(),
                outcome: Outcome::Succeeded,
                exit_code: Some(0),
                reason: None,
                duration_ms: 1,
                captures: BTreeMap::new(),
            },
            t(2),
        )
        .unwrap();
    // Deploy's success does not start cab by itself; `Next` does.
    assert!(!fx.iter().any(|e| matches!(e, Effect::Timer { .. })));
    let fx = core.update(Msg::Next, t(3)).unwrap();
    assert!(
        fx.contains(&Effect::Timer {
            id: TimerId::ApprovalTimeout,
            at: t(3) + chrono::TimeDelta::hours(1)
        }),
        "{fx:?}"
    );
}
