//! The rollback confirmation: Cancel is the default; `y` confirms only when unprotected; in a
//! protected environment only the exact environment name, then Enter, confirms.

use proptest::prelude::*;

use super::*;
use crate::release::{ReleasePhase, StepStatus};

fn confirmed(fx: &[AppEffect]) -> bool {
    kinds(fx).contains(&"rollback-confirmed".to_owned())
}

fn open(env: &str) -> H {
    let mut h = H::new(env);
    h.past_qa_and_preflight();
    h.key("R");
    assert!(
        matches!(h.modal(), Some(Modal::Rollback(_))),
        "R opens the rollback prompt"
    );
    h
}

#[test]
fn the_prompt_names_the_target_and_lists_the_rollback_steps() {
    let h = open("staging");
    let Some(Modal::Rollback(m)) = h.modal() else {
        panic!()
    };
    assert_eq!(m.target.as_deref(), Some("v1.4.1"));
    assert_eq!(m.target_source, "previous");
    assert_eq!(m.steps.len(), 3);
    assert_eq!(m.by, "alice");
    assert!(!m.protected);
    assert_eq!(m.interrupts, None);
}

#[test]
fn enter_esc_and_n_cancel_when_unprotected() {
    for k in ["enter", "esc", "n"] {
        let mut h = open("staging");
        assert!(h.key(k).is_empty(), "{k} confirms nothing");
        assert!(h.modal().is_none(), "{k} closes the prompt");
        assert_eq!(h.status(), "rollback cancelled");
        assert_eq!(h.app.release.phase, ReleasePhase::InProgress);
    }
}

#[test]
fn other_keys_do_nothing_when_unprotected() {
    let mut h = open("staging");
    for k in ["s", "r", "x", "R", "q", "tab", "up"] {
        assert!(h.key(k).is_empty(), "{k}");
        assert!(matches!(h.modal(), Some(Modal::Rollback(_))), "{k}");
    }
}

#[test]
fn y_confirms_when_unprotected_and_the_rollback_starts() {
    let mut h = open("staging");
    let fx = h.key("y");
    assert_eq!(
        kinds(&fx),
        ["rollback-confirmed", "rollback-started", "step-started"]
    );
    assert!(matches!(
        &fx[0],
        AppEffect::Release(Effect::Journal(Event::RollbackConfirmed { by, target }))
            if by == "alice" && target.as_deref() == Some("v1.4.1")
    ));
    assert_eq!(executes(&fx), [(Phase::Rollback, 0)]);
    assert_eq!(h.app.release.phase, ReleasePhase::RollingBack);
    assert!(h.modal().is_none());
}

#[test]
fn in_a_protected_environment_y_a_prefix_or_a_wrong_name_never_confirm() {
    for typed in [
        "y",
        "Y",
        "yes",
        "prod",
        "productio",
        "Production",
        "PRODUCTION",
        "production ",
        " production",
        "productionx",
        "staging",
    ] {
        let mut h = open("production");
        let fx = h.typ(typed);
        assert!(fx.is_empty(), "{typed:?}: typing confirms nothing");
        assert!(
            matches!(h.modal(), Some(Modal::Rollback(_))),
            "{typed:?}: still open"
        );
        let fx = h.key("enter");
        assert!(!confirmed(&fx), "{typed:?} must never confirm");
        assert!(fx.is_empty());
        assert!(
            h.modal().is_none(),
            "{typed:?}: Enter closes (Cancel is the default)"
        );
        assert!(
            h.status().contains("NOT confirmed"),
            "{typed:?}: {}",
            h.status()
        );
        assert_eq!(h.app.release.phase, ReleasePhase::InProgress);
    }
}

#[test]
fn in_a_protected_environment_enter_and_esc_cancel() {
    let mut h = open("production");
    assert!(h.key("enter").is_empty());
    assert_eq!(h.status(), "rollback cancelled");
    let mut h = open("production");
    h.typ("production");
    assert!(
        h.key("esc").is_empty(),
        "Esc cancels even after the exact name"
    );
    assert!(h.modal().is_none());
}

#[test]
fn in_a_protected_environment_the_exact_name_then_enter_confirms() {
    let mut h = open("production");
    h.typ("productiox");
    h.key("backspace");
    h.typ("n");
    let fx = h.key("enter");
    assert!(confirmed(&fx), "{fx:?}");
    assert_eq!(h.app.release.phase, ReleasePhase::RollingBack);
}

#[test]
fn a_running_step_is_named_and_the_rollback_waits_for_it() {
    let mut h = H::new("staging");
    h.past_qa_and_preflight();
    h.key("enter");
    h.key("R");
    let Some(Modal::Rollback(m)) = h.modal() else {
        panic!()
    };
    assert_eq!(m.interrupts.as_deref(), Some("deploy"));
    assert!(m.waits);
    let fx = h.key("y");
    assert!(
        !fx.iter()
            .any(|e| matches!(e, AppEffect::Release(Effect::Cancel { .. }))),
        "a deploy is never cut short by a rollback: {fx:?}"
    );
    assert!(!confirmed(&fx), "the rollback waits for the deploy");
    assert!(
        h.app
            .header
            .warning
            .as_deref()
            .is_some_and(|w| w.contains("starts when the running step finishes")),
        "{:?}",
        h.app.header.warning
    );
    let fx = h.finish(Phase::Main, "deploy", Outcome::Succeeded);
    assert!(confirmed(&fx), "{fx:?}");
    assert_eq!(h.app.release.phase, ReleasePhase::RollingBack);
    assert_eq!(h.app.release.steps[2].status, StepStatus::Succeeded);
    assert_eq!(h.app.header.warning, None);
}

#[test]
fn x_cancels_the_step_a_rollback_waits_for_and_the_rollback_starts() {
    let mut h = H::new("staging");
    h.past_qa_and_preflight();
    h.key("enter");
    h.key("R");
    h.key("y");
    h.key("x");
    let fx = h.key("y");
    assert!(fx.contains(&AppEffect::Release(Effect::Cancel {
        phase: Phase::Main,
        index: 2
    })));
    let fx = h.finish(Phase::Main, "deploy", Outcome::Cancelled);
    assert!(confirmed(&fx), "{fx:?}");
}

#[test]
fn an_armed_target_is_used_and_rollback_is_refused_once_rolled_back() {
    let mut h = H::new("staging");
    h.release(Msg::Arm {
        reason: "error-rate 6.1% > 5% for 2m".into(),
        target: Some("v1.4.0".into()),
    });
    h.key("R");
    let Some(Modal::Rollback(m)) = h.modal() else {
        panic!()
    };
    assert_eq!(
        (m.target.as_deref(), m.target_source),
        (Some("v1.4.0"), "armed")
    );
    assert!(m.armed.is_some());
    h.key("y");
    for id in ["rollback-1", "rollback-2", "rollback-3"] {
        h.finish(Phase::Rollback, id, Outcome::Succeeded);
    }
    assert!(h.app.release.is_finished());
    assert!(h.key("R").is_empty());
    assert!(
        h.modal().is_none(),
        "no prompt for a rollback the core refuses"
    );
    assert!(
        h.status().contains("nothing to roll back"),
        "{}",
        h.status()
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    /// Whatever is typed, Enter confirms exactly when the text is the environment's name.
    #[test]
    fn only_the_exact_name_confirms(typed in "[a-zA-Z yYn]{0,14}|production|productio|Production") {
        let mut h = open("production");
        h.typ(&typed);
        let fx = h.key("enter");
        prop_assert_eq!(confirmed(&fx), typed == "production");
    }
}

#[test]
fn the_countdown_shows_and_any_key_stops_it_without_acting() {
    let mut h = H::new("staging");
    h.core.policy = crate::release::Policy::auto_rollback(
        true,
        false,
        false,
        false,
        false,
        std::time::Duration::from_secs(30),
    );
    h.release(Msg::Arm {
        reason: "trigger error-rate tripped".into(),
        target: Some("v1.4.1".into()),
    });
    let w = h.app.header.warning.clone().unwrap_or_default();
    assert!(w.starts_with("AUTO ROLLBACK in 30s"), "{w}");
    assert!(screen(&mut h, 80, 24).contains("AUTO ROLLBACK in"));
    // `q` would ask to quit; during the countdown it only stops it.
    let fx = h.key("q");
    assert!(fx.is_empty(), "{fx:?}");
    assert!(h.modal().is_none());
    assert_eq!(h.core.view().countdown, None);
    assert!(h.app.release.armed.is_some(), "the rollback stays armed");
    let w = h.app.header.warning.clone().unwrap_or_default();
    assert!(w.contains("auto rollback stopped"), "{w}");
    // Keys act again.
    h.key("q");
    assert!(h.modal().is_some());
}

#[test]
fn the_header_says_when_the_journal_waits_for_the_disk() {
    let mut h = H::new("staging");
    assert!(!screen(&mut h, 160, 48).contains("pending"));
    h.send(AppMsg::JournalPending(3));
    assert!(screen(&mut h, 160, 48).contains("journal: 3 pending"));
    h.send(AppMsg::JournalPending(0));
    assert!(!screen(&mut h, 160, 48).contains("pending"));
}
