//! A waiting signed approval (DESIGN.md §9.2): the checklist's detail line and the status line
//! say `waiting: 1/2 approvals (bob ✔ · alice: operator, cannot approve) · flightdeck approve
//! go`, and no typing prompt opens where approvals are signed. Snapshots at 80×24 and 160×48.

use insta::assert_snapshot;

use super::*;
use crate::release::ReleaseTrust;

/// QA, preflight and deploy done; `go` (two approvals, signed) running with bob's approval.
fn waiting(approvals: &[&str]) -> H {
    let mut h = H::new("production");
    let mut ev = begin("production", true);
    if let Event::ReleaseStarted { steps, trust, .. } = &mut ev {
        steps[3].min_approvals = Some(2);
        *trust = Some(Box::new(ReleaseTrust {
            signed_approvals: true,
            operator_principals: vec!["alice".into()],
            operator_key: Some("SHA256:alice".into()),
        }));
    }
    let mut st = ReleaseState::default();
    let at = t(0);
    st.apply(&ev, at);
    for id in ["qa", "preflight", "deploy"] {
        st.apply(
            &Event::StepStarted {
                step: id.into(),
                phase: Phase::Main,
                attempt: 1,
            },
            at,
        );
        st.apply(
            &Event::StepFinished {
                step: id.into(),
                phase: Phase::Main,
                outcome: Outcome::Succeeded,
                exit_code: Some(0),
                reason: None,
                duration_ms: 1000,
                captures: BTreeMap::new(),
            },
            at,
        );
    }
    st.apply(
        &Event::StepStarted {
            step: "go".into(),
            phase: Phase::Main,
            attempt: 1,
        },
        t(10),
    );
    for who in approvals {
        st.apply(
            &Event::Approval {
                step: "go".into(),
                name: (*who).into(),
                reason: "CAB-77".into(),
                source: "signed".into(),
                principal: Some((*who).into()),
                key: Some(format!("SHA256:{who}")),
                decision: Some("approve".into()),
                payload: Some("{}".into()),
                signature: Some("sig".into()),
                consumed: None,
            },
            t(20),
        );
    }
    h.set_release(st);
    h.clock = 70;
    h
}

#[test]
fn the_waiting_line_names_who_approved_and_who_cannot() {
    let h = waiting(&["bob"]);
    let s = &h.app.release.steps[3];
    assert_eq!(
        crate::ui::approvals::waiting_line(&h.app.release, s).as_deref(),
        Some(
            "waiting: 1/2 approvals (bob ✔ · alice: operator, cannot approve) · flightdeck approve go"
        )
    );
    let none = waiting(&[]);
    assert_eq!(
        crate::ui::approvals::waiting_line(&none.app.release, &none.app.release.steps[3])
            .as_deref(),
        Some("waiting: 0/2 approvals (alice: operator, cannot approve) · flightdeck approve go")
    );
}

#[test]
fn enter_opens_no_typing_prompt_where_approvals_are_signed() {
    let mut h = waiting(&["bob"]);
    h.app.open_prompt(Phase::Main, 3);
    assert!(h.app.modal.is_none());
}

#[test]
fn screen_waiting_for_signed_approvals() {
    let mut h = waiting(&["bob"]);
    let small = screen(&mut h, 80, 24);
    assert!(small.contains("waiting: 1/2 approvals (bob ✔"), "{small}");
    assert_snapshot!("signed_approval_waiting_80x24", small);
    let big = screen(&mut h, 160, 48);
    assert!(
        big.contains("step 4 waiting: 1/2 approvals (bob ✔ · alice: operator, cannot approve) · flightdeck approve go"),
        "{big}"
    );
    assert_snapshot!("signed_approval_waiting_160x48", big);
}

#[test]
fn a_finished_step_lists_each_signed_approval_as_verified() {
    let mut h = waiting(&["bob", "carol"]);
    let mut st = h.app.release.clone();
    st.apply(
        &Event::StepFinished {
            step: "go".into(),
            phase: Phase::Main,
            outcome: Outcome::Succeeded,
            exit_code: None,
            reason: None,
            duration_ms: 60_000,
            captures: BTreeMap::new(),
        },
        t(60),
    );
    h.set_release(st);
    assert_eq!(
        crate::ui::approvals::verified_line(&h.app.release.steps[3]).as_deref(),
        Some("bob (SHA256:bob) ✔ signature verified · carol (SHA256:carol) ✔ signature verified")
    );
    let big = screen(&mut h, 160, 48);
    assert!(
        big.contains("└ bob (SHA256:bob) ✔ signature verified · carol (SHA256:"),
        "{big}"
    );
}
