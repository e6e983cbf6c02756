//! Extending and ending a watch.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;

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
