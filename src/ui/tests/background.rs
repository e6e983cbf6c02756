//! A background watch on screen (DESIGN.md §10): its line stays running with its time left and
//! its marks while a later step runs, a ⚠ mark for a warning, the guide line while the release
//! waits for it, and the modal that acknowledges its warnings.

use insta::assert_snapshot;

use super::*;

/// Skip to the watch (step 6, 5 minutes), make it a background watch, start it, then start
/// `tag` under it; error-rate measured twice, the second a warning.
fn background() -> H {
    let mut h = H::new("staging");
    for _ in 0..5 {
        h.release(Msg::Skip {
            reason: "done earlier".into(),
        });
    }
    h.core.st.steps[5].info.background = true;
    h.app.release.steps[5].info.background = true;
    h.key("enter");
    assert_eq!(
        h.app.release.running(),
        None,
        "the watch runs in the background"
    );
    let fx = h.key("enter");
    assert_eq!(
        executes(&fx),
        [(Phase::Main, 6)],
        "tag runs under the watch"
    );
    for (v, state) in [("0.004", "pass"), ("0.02", "warn")] {
        h.clock += 20;
        let at = h.now();
        let st = if state == "warn" {
            GateState::Warn
        } else {
            GateState::Pass
        };
        h.release(Msg::Record(Event::GateResult {
            step: Some("watch".into()),
            gate: "error-rate".into(),
            state: state.into(),
            value: serde_json::json!(v.parse::<f64>().unwrap()),
            message: format!("{v} — fails warn `result <= 0.01`"),
            expected: None,
        }));
        h.send(AppMsg::Gate(GateRow {
            id: "error-rate".into(),
            kind: crate::runbook::GateType::Prometheus,
            state: st,
            value: v.into(),
            message: format!("{v} vs 0.05 (warn above 0.01)"),
            expected: None,
            at: Some(at),
        }));
    }
    h.send(AppMsg::Tick);
    h
}

#[test]
fn a_background_watch_keeps_its_line_under_a_later_step() {
    let mut h = background();
    let s = screen(&mut h, 160, 48);
    assert!(s.contains("└ bg 04:14 left · ⚠ error-rate 0.02"), "{s}");
    assert!(
        s.contains("⚠ error-rate 0.02"),
        "the ⚠ mark on its line: {s}"
    );
    assert!(
        s.contains("▶ 7 Tag the release"),
        "the later step runs: {s}"
    );
    assert!(
        s.contains("Gates 1⚠"),
        "the gates pane counts warnings: {s}"
    );
    assert_snapshot!("background_watch_160x48", s);
    assert_snapshot!("background_watch_80x24", screen(&mut h, 80, 24));
}

#[test]
fn the_guide_line_says_what_the_release_waits_for_and_e_ends_the_watch() {
    let mut h = background();
    h.finish(Phase::Main, "tag", Outcome::Succeeded);
    assert!(!h.app.release.is_finished(), "the watch still runs");
    let s = screen(&mut h, 160, 48);
    assert!(s.contains("waiting for background watch watch: 4:1"), "{s}");
    assert!(s.contains("e end watch"), "{s}");
    h.key("e");
    let Some(Modal::EndWatch(m)) = h.modal() else {
        panic!("{:?}", h.modal())
    };
    assert_eq!(
        m.step, "watch",
        "the background watch, not the current step"
    );
    h.typ("flat for long enough");
    let fx = h.key("enter");
    assert!(
        fx.contains(&AppEffect::Release(Effect::Control {
            phase: Phase::Main,
            index: 5,
            control: crate::release::effect::Control::End,
        })),
        "{fx:?}"
    );
}

#[test]
fn warnings_are_acknowledged_in_a_modal_when_the_watch_ends() {
    let mut h = background();
    h.finish(Phase::Main, "tag", Outcome::Succeeded);
    h.finish(Phase::Main, "watch", Outcome::Succeeded);
    let Some(Modal::AckWarnings(m)) = h.modal() else {
        panic!("{:?}", h.modal())
    };
    assert_eq!(m.detail, "error-rate ×1");
    let s = screen(&mut h, 80, 24);
    assert!(s.contains("Warnings"), "{s}");
    assert_snapshot!("warn_ack_80x24", s);
    h.key("esc");
    assert!(h.modal().is_none());
    assert!(!h.app.release.is_finished());
    h.key("enter");
    assert!(
        matches!(h.modal(), Some(Modal::AckWarnings(_))),
        "⏎ asks again"
    );
    h.typ("a blip from the nightly batch");
    let fx = h.key("enter");
    let k = kinds(&fx);
    assert!(k.contains(&"note".to_owned()), "{k:?}");
    assert!(k.contains(&"release-finished".to_owned()), "{k:?}");
    assert!(h.app.release.is_finished());
}

#[test]
fn with_several_background_watches_tab_picks_the_one_e_ends() {
    let mut h = H::new("staging");
    for _ in 0..4 {
        h.release(Msg::Skip {
            reason: "done earlier".into(),
        });
    }
    for st in [&mut h.core.st, &mut h.app.release] {
        for i in [4, 5] {
            let s = &mut st.steps[i];
            s.kind = crate::runbook::StepType::Watch;
            s.info.kind = crate::runbook::StepType::Watch;
            s.info.background = true;
            s.info.duration_ms = Some(300_000);
        }
    }
    h.key("enter");
    h.key("enter");
    assert_eq!(h.app.release.background_running().len(), 2);
    h.key("e");
    let Some(Modal::EndWatch(m)) = h.modal() else {
        panic!("{:?}", h.modal())
    };
    assert_eq!(m.step, "smoke", "the first background watch is selected");
    let s = screen(&mut h, 80, 24);
    assert!(s.contains("tab next watch"), "{s}");
    h.key("tab");
    let Some(Modal::EndWatch(m)) = h.modal() else {
        panic!("{:?}", h.modal())
    };
    assert_eq!(m.step, "watch");
    h.typ("enough");
    let fx = h.key("enter");
    assert!(
        fx.contains(&AppEffect::Release(Effect::Control {
            phase: Phase::Main,
            index: 5,
            control: crate::release::effect::Control::End,
        })),
        "{fx:?}"
    );
    assert_eq!(
        h.app.release.background_running().len(),
        2,
        "until the executor reports"
    );
}
