//! The running watch: its gauge (time left, bar, triggers with sparklines), `+` to extend it
//! and `e` to end it early with a note.

use insta::assert_snapshot;

use super::*;
use crate::release::effect::Control;

/// A staging release whose watch step (5 minutes) has run 60 s, with error-rate measured.
fn watching() -> H {
    let mut h = H::new("staging");
    for _ in 0..5 {
        h.release(Msg::Skip {
            reason: "done earlier".into(),
        });
    }
    h.key("enter");
    for (i, v) in ["0.01", "0.02", "0.04", "0.19"].iter().enumerate() {
        h.clock += 15;
        let state = if i == 3 {
            GateState::Fail
        } else {
            GateState::Pass
        };
        let at = h.now();
        h.send(AppMsg::Gate(GateRow {
            id: "error-rate".into(),
            kind: crate::runbook::GateType::Prometheus,
            state,
            value: (*v).into(),
            message: format!("{v} vs 0.05"),
            expected: None,
            at: Some(at),
        }));
    }
    h.send(AppMsg::Tick);
    h
}

#[test]
fn the_gauge_shows_time_left_and_the_triggers() {
    let mut h = watching();
    let s = screen(&mut h, 160, 48);
    assert!(s.contains("03:55 left ▰▰▱▱▱▱▱▱▱▱"), "{s}");
    assert!(s.contains("✖ error-rate 0.19"), "{s}");
    assert!(
        s.contains("+ extend 5m"),
        "the footer offers the watch keys: {s}"
    );
    assert_snapshot!("watch_gauge_160x48", s);
    assert_snapshot!("watch_gauge_80x24", screen(&mut h, 80, 24));
}

#[test]
fn plus_extends_the_watch_by_five_minutes_journaled() {
    let mut h = watching();
    let fx = h.key("+");
    assert!(
        fx.contains(&AppEffect::Release(Effect::Control {
            phase: Phase::Main,
            index: 5,
            control: Control::Extend(300_000),
        })),
        "{fx:?}"
    );
    assert!(kinds(&fx).contains(&"note".to_owned()), "{:?}", kinds(&fx));
    let s = screen(&mut h, 160, 48);
    assert!(s.contains("08:5"), "five more minutes: {s}");
}

#[test]
fn e_asks_for_a_note_then_ends_the_watch() {
    let mut h = watching();
    h.key("e");
    assert!(matches!(h.modal(), Some(Modal::EndWatch(_))));
    h.key("enter");
    assert!(
        matches!(h.modal(), Some(Modal::EndWatch(_))),
        "an empty note is refused"
    );
    h.typ("metrics are flat; ending early");
    let fx = h.key("enter");
    assert!(
        fx.contains(&AppEffect::Release(Effect::Control {
            phase: Phase::Main,
            index: 5,
            control: Control::End,
        })),
        "{fx:?}"
    );
    assert!(h.modal().is_none());
}

#[test]
fn watch_keys_are_refused_when_no_watch_runs() {
    let mut h = H::new("staging");
    let fx = h.key("+");
    assert!(!kinds(&fx).contains(&"note".to_owned()));
    assert!(
        h.status().contains("no watch step is running"),
        "{}",
        h.status()
    );
    h.key("e");
    assert!(h.modal().is_none());
}

#[test]
fn the_countdown_and_an_inconclusive_watch() {
    let mut h = watching();
    h.release(Msg::Arm {
        reason: "trigger error-rate tripped: 0.19 fails `result <= 0.05` for 6s".into(),
        target: Some("v1.4.1".into()),
    });
    h.finish(Phase::Main, "watch", Outcome::Failed);
    h.send(AppMsg::Warning(Some(
        "AUTO ROLLBACK in 3s · press any key to stop the countdown (the rollback stays armed)"
            .into(),
    )));
    let s = screen(&mut h, 160, 48);
    assert!(
        s.contains("ROLLBACK ARMED: trigger error-rate tripped"),
        "{s}"
    );
    assert!(s.contains("AUTO ROLLBACK in 3s"), "{s}");
    assert_snapshot!("watch_countdown_80x24", screen(&mut h, 80, 24));

    let mut h = watching();
    h.release(Msg::Finished {
        phase: Phase::Main,
        step: "watch".into(),
        outcome: Outcome::Failed,
        exit_code: None,
        reason: Some(
            "trigger error-rate inconclusive: 5 consecutive errors (limit 4): connection refused — r watches again · s ends the watch · R rolls back"
                .into(),
        ),
        duration_ms: 10_000,
        captures: BTreeMap::new(),
    });
    let s = screen(&mut h, 160, 48);
    assert!(s.contains("inconclusive"), "{s}");
    assert!(
        !s.contains("ROLLBACK ARMED"),
        "an inconclusive watch arms nothing: {s}"
    );
    assert_snapshot!("watch_inconclusive_160x48", s);
}
