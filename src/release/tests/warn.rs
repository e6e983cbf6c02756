//! The warn band through `Core::update` with a fake clock (DESIGN.md §10): a watch that saw
//! warnings asks for an acknowledgement before it passes, one without passes at its end, and a
//! foreground watch with warnings holds the checklist until acknowledged or cancelled.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::background::{approve, done, evidence, past_soak, quiet_kinds, status};
use super::*;
use crate::release::policy::{Core, Policy};

fn warn_result(step: &str) -> Msg {
    Msg::Record(Event::GateResult {
        step: Some(step.into()),
        gate: "error-rate".into(),
        state: "warn".into(),
        value: serde_json::json!(0.02),
        message: "0.02 — fails warn `result < 0.01`".into(),
        expected: None,
    })
}

#[test]
fn a_watch_that_saw_warnings_asks_for_an_acknowledgement_before_it_passes() {
    let mut c = past_soak();
    c.update(warn_result("soak"), t(30)).unwrap();
    c.update(warn_result("soak"), t(40)).unwrap();
    assert_eq!(c.st.steps[1].warnings_text(), "error-rate ×2");
    c.update(Msg::Next, t(41)).unwrap();
    c.update(evidence(), t(42)).unwrap();
    c.update(Msg::Next, t(43)).unwrap();
    c.update(approve(), t(44)).unwrap();
    c.update(Msg::Next, t(45)).unwrap();
    c.update(done("migrate", Outcome::Succeeded), t(46))
        .unwrap();
    // The watch's time ends: it asks instead of passing.
    let fx = c.update(done("soak", Outcome::Succeeded), t(602)).unwrap();
    assert_eq!(quiet_kinds(&fx), vec!["note", "execute Main 1"]);
    assert!(c.st.steps[1].ack_pending);
    assert_eq!(status(&c, "soak"), StepStatus::Running);
    assert_eq!(c.st.phase, ReleasePhase::InProgress);
    assert_eq!(
        route(&c.st, fx[1].clone(), t(602)),
        Routed::Prompt {
            phase: Phase::Main,
            index: 1
        }
    );
    assert!(
        c.update(Msg::Next, t(603))
            .unwrap_err()
            .0
            .contains("saw warnings (error-rate ×2)")
    );
    let why = c
        .update(
            Msg::AckWarnings {
                note: " ".into(),
                source: "operator".into(),
            },
            t(603),
        )
        .unwrap_err()
        .0;
    assert!(why.contains("needs a note"), "{why}");
    let fx = c
        .update(
            Msg::AckWarnings {
                note: "a 2% blip from the batch job".into(),
                source: "answers".into(),
            },
            t(604),
        )
        .unwrap();
    assert_eq!(
        quiet_kinds(&fx),
        vec!["note", "step-finished", "release-finished"]
    );
    let Effect::Journal(Event::Note { action, text, .. }) = &fx[0] else {
        panic!("{fx:?}")
    };
    assert_eq!(action.as_deref(), Some("warnings-ack"));
    assert!(text.starts_with("a 2% blip"), "{text}");
}

#[test]
fn a_watch_without_warnings_passes_at_its_end_and_a_failed_one_never_asks() {
    let mut c = past_soak();
    c.update(warn_result("soak"), t(30)).unwrap();
    let fx = c.update(done("soak", Outcome::Failed), t(31)).unwrap();
    assert_eq!(quiet_kinds(&fx), vec!["step-finished"]);
    assert!(!c.st.steps[1].ack_pending);
    let mut c = past_soak();
    let fx = c.update(done("soak", Outcome::Succeeded), t(602)).unwrap();
    assert_eq!(quiet_kinds(&fx), vec!["step-finished"]);
}

#[test]
fn a_foreground_watch_with_warnings_holds_the_checklist_until_acknowledged_or_cancelled() {
    let mut c = Core::new(ReleaseState::default(), Policy::default());
    c.update(
        Msg::Begin(begin(&[("watch", "watch"), ("tag", "git-tag")], &[])),
        t(0),
    )
    .unwrap();
    c.update(Msg::Next, t(1)).unwrap();
    c.update(warn_result("watch"), t(5)).unwrap();
    let fx = c.update(done("watch", Outcome::Succeeded), t(9)).unwrap();
    assert_eq!(quiet_kinds(&fx), vec!["note", "execute Main 0"]);
    assert_eq!(
        c.st.running(),
        Some((Phase::Main, 0)),
        "it still holds the checklist"
    );
    assert!(
        c.update(Msg::Next, t(10))
            .unwrap_err()
            .0
            .contains("still running")
    );
    // `x` on it is answered by the core at once (no executor runs it any more).
    let fx = c.update(Msg::Cancel, t(11)).unwrap();
    let Routed::Core(m) = route(&c.st, fx[0].clone(), t(11)) else {
        panic!("{fx:?}")
    };
    c.update(m, t(11)).unwrap();
    assert!(matches!(status(&c, "watch"), StepStatus::Failed(_)));
    assert!(!c.st.steps[0].ack_pending);
}
