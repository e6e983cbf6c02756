//! A step held by `wait_for` on screen (issue 24): the guide line names the watch it waits for
//! and its time left, ⏎ is refused with the same reason, `e` and `+` act on that watch, and ⏎
//! starts the step once the watch has ended.

use insta::assert_snapshot;

use super::*;

/// Skip to the watch (step 6, 5 minutes), make it a background watch that `tag` (step 7)
/// waits for, and start it: the checklist is at `tag`, held.
fn held() -> H {
    let mut h = H::new("staging");
    for _ in 0..5 {
        h.release(Msg::Skip {
            reason: "done earlier".into(),
        });
    }
    for st in [&mut h.core.st, &mut h.app.release] {
        st.steps[5].info.background = true;
        st.steps[6].info.wait_for = vec!["watch".into()];
    }
    let fx = h.key("enter");
    assert_eq!(executes(&fx), [(Phase::Main, 5)], "the watch starts");
    assert_eq!(h.app.release.running(), None, "in the background");
    h.send(AppMsg::Tick);
    h
}

#[test]
fn the_guide_line_says_what_the_held_step_waits_for() {
    let mut h = held();
    let s = screen(&mut h, 80, 24);
    assert!(
        s.contains("tag waits for background watch watch: 4:5"),
        "{s}"
    );
    assert!(s.contains("end watch"), "e ends the watch: {s}");
    assert!(s.contains("extend 5m"), "+ extends it: {s}");
    assert!(!s.contains("next: "), "no invitation to start tag: {s}");
    assert_snapshot!("wait_for_held_80x24", s);
}

#[test]
fn enter_is_refused_while_held_and_starts_the_step_once_the_watch_ended() {
    let mut h = held();
    let fx = h.key("enter");
    assert!(executes(&fx).is_empty(), "{fx:?}");
    let status = h.status();
    assert!(
        status.starts_with("step tag waits for background watch watch (4:5"),
        "{status}"
    );
    assert!(status.ends_with(" left)"), "{status}");
    h.finish(Phase::Main, "watch", Outcome::Succeeded);
    let fx = h.key("enter");
    assert_eq!(executes(&fx), [(Phase::Main, 6)], "tag starts");
}

#[test]
fn e_ends_the_watch_the_step_waits_for() {
    let mut h = held();
    h.key("e");
    let Some(Modal::EndWatch(m)) = h.modal() else {
        panic!("{:?}", h.modal())
    };
    assert_eq!(m.step, "watch");
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
