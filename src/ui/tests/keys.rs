//! Keys outside prompts, in every release mode: idle, running, failed, interrupted, finished,
//! observing; focus, help, quit, save.

use crossterm::event::{KeyCode, KeyEventKind, KeyModifiers};

use super::*;
use crate::release::{ReleasePhase, StepStatus};
use crate::ui::app::Focus;

#[test]
fn enter_runs_the_next_step_and_forwards_execute() {
    let mut h = H::new("staging");
    h.past_qa_and_preflight();
    let fx = h.key("enter");
    assert_eq!(kinds(&fx), ["step-started"]);
    assert_eq!(executes(&fx), [(Phase::Main, 2)]);
    assert!(h.modal().is_none());
}

#[test]
fn enter_while_a_step_runs_is_refused_on_the_status_line() {
    let mut h = H::new("staging");
    h.past_qa_and_preflight();
    h.key("enter");
    let fx = h.key("enter");
    assert!(fx.is_empty());
    assert!(h.status().contains("still running"), "{}", h.status());
    assert!(h.app.status.as_ref().unwrap().refusal);
}

#[test]
fn retry_is_refused_until_a_step_fails_then_reruns_it() {
    let mut h = H::new("staging");
    h.past_qa_and_preflight();
    assert!(h.key("r").is_empty());
    assert!(h.status().contains("has not failed"), "{}", h.status());
    h.key("enter");
    h.finish(Phase::Main, "deploy", Outcome::Failed);
    let fx = h.key("enter");
    assert!(fx.is_empty(), "Enter on a failed step is refused");
    assert!(h.status().contains("failed"), "{}", h.status());
    let fx = h.key("r");
    assert_eq!(kinds(&fx), ["step-started"]);
    assert_eq!(executes(&fx), [(Phase::Main, 2)]);
}

#[test]
fn mark_done_is_refused_unless_the_step_was_interrupted() {
    let mut h = H::new("staging");
    assert!(h.key("m").is_empty());
    assert!(h.modal().is_none());
    assert!(
        h.status().contains("only an interrupted step"),
        "{}",
        h.status()
    );
}

#[test]
fn cancel_asks_y_and_n_keeps_the_step_running() {
    let mut h = H::new("staging");
    assert!(h.key("x").is_empty());
    assert!(h.status().contains("no step is running"), "{}", h.status());
    h.past_qa_and_preflight();
    h.key("enter");
    h.key("x");
    assert!(matches!(h.modal(), Some(Modal::Cancel(_))));
    for k in ["z", "R", "q"] {
        assert!(h.key(k).is_empty(), "{k} does nothing in the cancel prompt");
        assert!(matches!(h.modal(), Some(Modal::Cancel(_))));
    }
    assert!(h.key("n").is_empty());
    assert!(h.modal().is_none());
    assert!(h.status().contains("keeps running"));
    h.key("x");
    assert!(h.key("enter").is_empty(), "Enter keeps the step running");
    h.key("x");
    assert!(h.key("esc").is_empty());
    h.key("x");
    let fx = h.key("y");
    assert_eq!(
        fx,
        [AppEffect::Release(Effect::Cancel {
            phase: Phase::Main,
            index: 2
        })]
    );
    assert!(h.modal().is_none());
}

#[test]
fn cancelling_a_manual_step_is_reported_by_the_app_itself() {
    let mut h = H::new("staging");
    h.key("enter");
    h.key("esc");
    h.key("x");
    let fx = h.key("y");
    assert_eq!(kinds(&fx), ["step-finished"]);
    assert!(
        !fx.iter()
            .any(|e| matches!(e, AppEffect::Release(Effect::Cancel { .. }))),
        "no executor runs a manual step: {fx:?}"
    );
    assert!(matches!(
        h.app.release.steps[0].status,
        StepStatus::Failed(_)
    ));
}

#[test]
fn tab_and_shift_tab_cycle_the_focus() {
    let mut h = H::new("staging");
    assert_eq!(h.app.focus, Focus::Logs);
    h.key("tab");
    assert_eq!(h.app.focus, Focus::Checklist);
    h.key("tab");
    assert_eq!(h.app.focus, Focus::Services);
    h.key("shift-tab");
    h.key("shift-tab");
    assert_eq!(h.app.focus, Focus::Logs);
    h.key("shift-tab");
    assert_eq!(h.app.focus, Focus::Gates);
}

#[test]
fn arrows_scroll_the_focused_checklist_and_end_returns_to_auto() {
    let mut h = H::new("staging");
    h.send(AppMsg::Resize(60, 16));
    h.key("tab");
    h.key("down");
    assert_eq!(h.app.checklist_top, Some(1));
    h.key("pgdn");
    h.key("pgdn");
    let max = super::super::panes::checklist::rows(&h.app).len();
    assert!(h.app.checklist_top.unwrap() < max);
    h.key("home");
    assert_eq!(h.app.checklist_top, Some(0));
    h.key("end");
    assert_eq!(h.app.checklist_top, None);
}

#[test]
fn quit_asks_while_unfinished_and_n_keeps_it_open() {
    let mut h = H::new("staging");
    h.past_qa_and_preflight();
    h.key("enter");
    assert!(h.key("q").is_empty());
    let Some(Modal::Quit(q)) = h.modal() else {
        panic!("quit asks")
    };
    assert!(q.reason.contains("`deploy` is running"), "{}", q.reason);
    for k in ["x", "R", "enter"] {
        assert!(h.key(k).is_empty());
        if k == "enter" {
            assert!(h.modal().is_none(), "Enter stays (closes the prompt)");
        }
    }
    h.key("q");
    assert!(h.key("n").is_empty());
    assert!(h.modal().is_none(), "n keeps flightdeck open");
    h.key("ctrl-c");
    assert!(matches!(h.modal(), Some(Modal::Quit(_))), "Ctrl-C asks too");
    assert_eq!(h.key("y"), [AppEffect::Quit]);
}

#[test]
fn quit_is_immediate_when_the_release_is_finished() {
    let mut h = H::new("staging");
    h.app.release.phase = ReleasePhase::Finished(crate::release::ReleaseOutcome::Completed);
    assert_eq!(h.key("q"), [AppEffect::Quit]);
}

#[test]
fn help_opens_and_closes_with_question_mark_or_esc() {
    let mut h = H::new("staging");
    h.key("?");
    assert!(matches!(h.modal(), Some(Modal::Help(_))));
    h.key("down");
    assert!(matches!(h.modal(), Some(Modal::Help(m)) if m.scroll == 1));
    assert!(
        h.key("enter").is_empty(),
        "Enter in help does not run a step"
    );
    h.key("?");
    h.key("?");
    assert!(h.modal().is_none());
    h.key("?");
    h.key("esc");
    assert!(h.modal().is_none());
}

#[test]
fn observing_is_read_only() {
    let mut h = H::new("staging");
    h.app.header.observing = Some("bob".into());
    for k in ["enter", "r", "s", "m", "x", "R"] {
        assert!(h.key(k).is_empty(), "{k}");
        assert!(h.modal().is_none(), "{k}");
        assert!(h.status().starts_with("read-only"), "{k}: {}", h.status());
    }
    h.key("tab");
    assert_eq!(h.app.focus, Focus::Checklist, "moving around still works");
}

#[test]
fn key_releases_and_unbound_keys_do_nothing() {
    let mut h = H::new("staging");
    let before = h.app.release.clone();
    let mut ev = key_event("enter");
    ev.kind = KeyEventKind::Release;
    assert!(h.send(AppMsg::Key(ev)).is_empty());
    assert!(h.modal().is_none());
    assert!(
        h.send(AppMsg::Key(KeyEvent::new(
            KeyCode::F(7),
            KeyModifiers::NONE
        )))
        .is_empty()
    );
    assert!(h.key("z").is_empty());
    assert_eq!(h.app.release, before);
}

#[test]
fn save_log_names_the_shown_source() {
    let mut h = H::new("staging");
    assert_eq!(h.key("ctrl-s"), [AppEffect::SaveLog("backend".into())]);
    h.past_qa_and_preflight();
    h.key("enter");
    h.output(Phase::Main, "deploy", &["pulling", "starting"]);
    assert_eq!(h.key("ctrl-s"), [AppEffect::SaveLog("deploy".into())]);
    assert_eq!(
        h.app.log_lines("deploy").unwrap(),
        ["pulling".to_owned(), "starting".to_owned()]
    );
}

#[test]
fn refusals_gates_guide_and_warning_messages() {
    let mut h = H::new("staging");
    h.send(AppMsg::Refused("lock held by bob@host".into()));
    assert_eq!(h.status(), "lock held by bob@host");
    h.key("esc");
    assert_eq!(h.status(), "", "Esc clears the status line");
    let mut g = GateRow::pending("health", "http".parse().unwrap());
    g.state = GateState::Pass;
    h.send(AppMsg::Gate(g.clone()));
    assert_eq!(h.app.gates[0], g, "a gate is updated in place");
    h.send(AppMsg::Gate(GateRow::pending(
        "new",
        "tcp".parse().unwrap(),
    )));
    assert_eq!(h.app.gates.len(), 5);
    h.send(AppMsg::Guide(Some("press Enter".into())));
    h.send(AppMsg::Warning(Some("disk 91%".into())));
    assert_eq!(h.app.demo_guide.as_deref(), Some("press Enter"));
    assert_eq!(h.app.header.warning.as_deref(), Some("disk 91%"));
}

#[test]
fn dirty_and_clock_ticks() {
    let mut h = H::new("staging");
    assert!(h.app.dirty());
    h.app.clear_dirty();
    h.app.header.window_deadline = None;
    assert_eq!(
        h.app.next_redraw_deadline(h.now()),
        None,
        "no clock on screen"
    );
    h.send(AppMsg::Tick);
    assert!(!h.app.dirty(), "a tick without clocks redraws nothing");
    h.past_qa_and_preflight();
    h.key("enter");
    h.app.clear_dirty();
    let now = h.now() + chrono::Duration::milliseconds(300);
    assert_eq!(
        h.app.next_redraw_deadline(now),
        Some(h.now() + chrono::Duration::seconds(1))
    );
    h.app.update(AppMsg::Tick, now);
    assert!(!h.app.dirty(), "same second: nothing changed");
    h.app
        .update(AppMsg::Tick, now + chrono::Duration::seconds(1));
    assert!(h.app.dirty(), "the running timer moved");
}
