//! The log pane's state through keys: which source shows, follow/pause, search.

use super::*;
use crate::ui::logs::LogSource;
use crate::ui::logview::LOG_CAP;

fn shown(h: &H) -> String {
    h.app
        .logs
        .shown()
        .map(|(s, _)| s.label())
        .unwrap_or_default()
}

fn deploying(lines: usize) -> H {
    let mut h = H::new("staging");
    h.past_qa_and_preflight();
    h.key("enter");
    let out: Vec<String> = (0..lines).map(|i| format!("line {i}")).collect();
    let refs: Vec<&str> = out.iter().map(String::as_str).collect();
    h.output(Phase::Main, "deploy", &refs);
    h
}

#[test]
fn the_source_rule_running_then_last_then_first_service() {
    let mut h = H::new("staging");
    assert_eq!(
        shown(&h),
        "backend",
        "before any step: the first service with logs"
    );
    h.past_qa_and_preflight();
    assert_eq!(
        shown(&h),
        "preflight",
        "no step runs: the one that ran last"
    );
    h.key("enter");
    assert_eq!(shown(&h), "deploy", "the running step");
    h.key("]");
    assert_eq!(shown(&h), "backend", "] cycles");
    h.key("[");
    h.key("[");
    assert_eq!(shown(&h), "preflight");
    h.finish(Phase::Main, "deploy", Outcome::Succeeded);
    h.key("enter");
    h.key("esc");
    assert_eq!(shown(&h), "go", "a new step shows again");
    assert_eq!(
        h.app.logs.count(),
        6,
        "qa, preflight, deploy, go, backend, backend/*"
    );
}

#[test]
fn rollback_steps_are_their_own_sources() {
    let mut h = H::new("staging");
    h.key("R");
    h.key("y");
    assert_eq!(
        h.app.logs.shown().map(|(s, _)| s),
        Some(LogSource::Step {
            phase: Phase::Rollback,
            id: "rollback-1".into()
        })
    );
    assert_eq!(shown(&h), "rollback:rollback-1");
}

#[test]
fn service_lines_and_step_output_go_to_their_buffers() {
    let mut h = deploying(3);
    h.send(AppMsg::ServiceLog {
        service: "backend".into(),
        lines: vec!["GET /health 200".into()],
    });
    assert_eq!(h.app.log_lines("deploy").unwrap().len(), 3);
    assert_eq!(h.app.log_lines("backend").unwrap(), ["GET /health 200"]);
}

#[test]
fn the_buffer_is_bounded_and_counts_what_it_dropped() {
    let mut h = deploying(LOG_CAP + 250);
    let (_, v) = h.app.logs.shown().unwrap();
    assert_eq!(v.len(), LOG_CAP);
    assert_eq!(v.dropped(), 250);
    h.key("home");
    assert_eq!(
        h.app.logs.visible_top(5),
        250,
        "Home goes to the oldest kept line"
    );
}

#[test]
fn scrolling_up_pauses_and_end_resumes_following() {
    let mut h = deploying(100);
    let rows = h.app.log_rows();
    assert!(h.app.logs.follow);
    assert_eq!(h.app.logs.visible_top(rows), 100 - rows as u64);
    h.key("up");
    assert!(!h.app.logs.follow, "scrolling up pauses");
    let top = h.app.logs.visible_top(rows);
    assert_eq!(top, 100 - rows as u64 - 1);
    h.output(Phase::Main, "deploy", &["new line"]);
    assert_eq!(
        h.app.logs.visible_top(rows),
        top,
        "paused: the view stays put"
    );
    h.key("pgup");
    assert!(h.app.logs.visible_top(rows) < top);
    h.key("down");
    h.key("end");
    assert!(h.app.logs.follow, "End resumes");
    h.key("f");
    assert!(!h.app.logs.follow, "f pauses");
    h.key("f");
    assert!(h.app.logs.follow, "f follows again");
}

#[test]
fn search_jumps_to_matches_and_n_and_shift_n_move_between_them() {
    let mut h = deploying(0);
    let lines: Vec<String> = (0..60)
        .map(|i| {
            if i % 20 == 5 {
                format!("ERROR {i}")
            } else {
                format!("ok {i}")
            }
        })
        .collect();
    let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
    h.output(Phase::Main, "deploy", &refs);
    assert!(h.key("n").is_empty());
    assert!(h.status().contains("no search"), "{}", h.status());
    h.key("/");
    assert!(h.app.search.is_some());
    h.typ("error");
    assert!(
        h.key("n").is_empty(),
        "n is typed into the search, not a jump"
    );
    h.key("backspace");
    assert_eq!(
        h.app.logs.match_position(),
        (None, 3),
        "matches as you type"
    );
    h.key("enter");
    assert!(h.app.search.is_none());
    assert_eq!(
        h.app.logs.current_match(),
        Some(45),
        "Enter jumps to the newest match"
    );
    assert!(!h.app.logs.follow);
    h.key("N");
    assert_eq!(h.app.logs.current_match(), Some(25));
    h.key("n");
    h.key("n");
    assert_eq!(h.app.logs.current_match(), Some(5), "n wraps to the oldest");
    assert_eq!(h.app.logs.match_position(), (Some(1), 3));
    h.key("/");
    h.typ("zzz");
    h.key("esc");
    assert_eq!(
        h.app.logs.query().map(|q| q.text().to_owned()).as_deref(),
        Some("error")
    );
    h.key("/");
    h.typ("zzz");
    h.key("enter");
    assert!(h.status().contains("no match for `zzz`"), "{}", h.status());
    h.key("esc");
    assert!(h.app.logs.query().is_none(), "Esc clears the search");
}
