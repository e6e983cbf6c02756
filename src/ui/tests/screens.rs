//! insta snapshots of each pane and of whole screens at 80×24 and 160×48, with fixed times.

use insta::assert_snapshot;
use ratatui::layout::Rect;

use super::*;
use crate::ui::panes;

/// Mid-release: QA and preflight done, deploy running 41 s with output, gates measured.
pub fn mid_step() -> H {
    let mut h = H::new("production");
    h.past_qa_and_preflight();
    h.key("enter");
    let lines: Vec<String> = (1..=40)
        .map(|i| match i {
            38 => "Recreating backend_backend_1 ... error: image pull backoff, retrying in 5s (attempt 2 of 10) while the registry answers 503 Service Unavailable".to_owned(),
            _ => format!("#{i:02} [backend] step {i}/40 : RUN cargo build --release"),
        })
        .collect();
    let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
    h.output(Phase::Main, "deploy", &refs);
    measure_gates(&mut h);
    h.clock += 30;
    h.send(AppMsg::Tick);
    h
}

pub fn failed() -> H {
    let mut h = mid_step();
    h.finish(Phase::Main, "deploy", Outcome::Failed);
    h
}

fn rolled_back() -> H {
    let mut h = failed();
    h.key("R");
    h.typ("production");
    h.key("enter");
    h.output(
        Phase::Rollback,
        "rollback-1",
        &["docker tag backend:v1.4.1", "container recreated"],
    );
    for id in ["rollback-1", "rollback-2", "rollback-3"] {
        h.finish(Phase::Rollback, id, Outcome::Succeeded);
    }
    h
}

fn both(name: &str, mut h: H) {
    assert_snapshot!(format!("{name}_80x24"), screen(&mut h, 80, 24));
    assert_snapshot!(format!("{name}_160x48"), screen(&mut h, 160, 48));
}

#[test]
fn screen_at_start() {
    let mut h = H::new("production");
    h.clock += 5;
    both("start", h);
}

#[test]
fn screen_mid_step() {
    both("mid_step", mid_step());
}

#[test]
fn screen_after_a_failed_step() {
    both("failed", failed());
}

#[test]
fn screen_evidence_prompt() {
    let mut h = H::new("staging");
    h.key("enter");
    h.typ("QA-123");
    both("evidence", h);
}

#[test]
fn screen_rollback_prompt_protected() {
    let mut h = failed();
    h.key("R");
    h.typ("prod");
    both("rollback_protected", h);
}

#[test]
fn screen_rollback_prompt_unprotected_and_armed() {
    let mut h = H::new("staging");
    h.past_qa_and_preflight();
    h.release(Msg::Arm {
        reason: "error-rate 6.1% > 5% for 2m".into(),
        target: Some("v1.4.1".into()),
    });
    measure_gates(&mut h);
    h.key("R");
    both("rollback_unprotected", h);
}

#[test]
fn screen_armed_banner() {
    let mut h = H::new("staging");
    h.past_qa_and_preflight();
    h.key("enter");
    h.release(Msg::Arm {
        reason: "error-rate 6.1% > 5% for 2m".into(),
        target: Some("v1.4.1".into()),
    });
    measure_gates(&mut h);
    both("armed", h);
}

#[test]
fn screen_help_overlay() {
    let mut h = H::new("production");
    h.key("?");
    both("help", h);
}

#[test]
fn screen_after_a_rollback() {
    both("rolled_back", rolled_back());
}

#[test]
fn screen_search_and_paused() {
    let mut h = mid_step();
    h.key("/");
    h.typ("backend");
    h.key("enter");
    h.key("N");
    h.key("/");
    h.typ("registry");
    assert_snapshot!("search_typing_80x24", screen(&mut h, 80, 24));
}

#[test]
fn screen_too_small() {
    let mut h = mid_step();
    assert_snapshot!("too_small_59x15", screen(&mut h, 59, 15));
    assert_snapshot!("too_small_20x5", screen(&mut h, 20, 5));
}

#[test]
fn screen_sizes_never_panic() {
    let sizes = [
        (1, 1),
        (20, 5),
        (59, 15),
        (60, 16),
        (61, 17),
        (80, 24),
        (250, 70),
        (300, 5),
        (5, 300),
    ];
    for mk in [
        H::new as fn(&str) -> H,
        |_: &str| failed(),
        |_: &str| rolled_back(),
    ] {
        for modal in ["", "?", "R", "x", "q"] {
            let mut h = mk("production");
            if !modal.is_empty() {
                h.key(modal);
            }
            for (w, rows) in sizes {
                let _ = screen(&mut h, w, rows);
            }
        }
    }
}

fn pane(w: u16, h: u16, f: impl FnOnce(Rect, &mut Buffer)) -> String {
    let area = Rect::new(0, 0, w, h);
    let mut buf = Buffer::empty(area);
    f(area, &mut buf);
    text(&buf)
}

#[test]
fn panes_one_by_one() {
    let h = mid_step();
    let (app, th) = (&h.app, &Theme::dark());
    assert_snapshot!(
        "pane_header_80",
        pane(80, 1, |a, b| panes::header::render(app, th, a, b))
    );
    assert_snapshot!(
        "pane_header_160",
        pane(160, 1, |a, b| panes::header::render(app, th, a, b))
    );
    assert_snapshot!(
        "pane_checklist",
        pane(44, 11, |a, b| panes::checklist::render(
            app, th, a, b, false
        ))
    );
    assert_snapshot!(
        "pane_gates",
        pane(36, 7, |a, b| panes::gates::render(app, th, a, b, false))
    );
    assert_snapshot!(
        "pane_services",
        pane(36, 4, |a, b| panes::services::render(app, th, a, b, false))
    );
    assert_snapshot!(
        "pane_logs",
        pane(80, 8, |a, b| panes::logs::render(app, th, a, b, true))
    );
    assert_snapshot!(
        "pane_footer",
        pane(80, 2, |a, b| {
            let (s, k) = (Rect::new(0, 0, 80, 1), Rect::new(0, 1, 80, 1));
            let _ = a;
            panes::footer::render(app, th, s, k, b);
        })
    );
    let f = failed();
    assert_snapshot!(
        "pane_checklist_failed",
        pane(44, 11, |a, b| panes::checklist::render(
            &f.app, th, a, b, true
        ))
    );
    let empty = H::new("staging");
    assert_snapshot!(
        "pane_gates_pending",
        pane(36, 7, |a, b| panes::gates::render(
            &empty.app, th, a, b, false
        ))
    );
}

/// A failing gate with an expected value shows it after the value: `✖ version 1.0.0 (want
/// 2.0.0)`; a passing one does not, and neither does a failure without one.
#[test]
fn a_failed_gate_shows_what_it_wants() {
    let mut h = H::new("staging");
    let now = h.now();
    for (id, state, value, message, want) in [
        (
            "version",
            GateState::Fail,
            "1.0.0",
            "200 in 1 ms, $.version is \"1.0.0\"",
            Some("2.0.0"),
        ),
        (
            "health",
            GateState::Fail,
            "",
            "503 in 2 ms, expected 200",
            Some("200"),
        ),
        ("ready", GateState::Pass, "2.0.0", "", Some("2.0.0")),
        ("error-rate", GateState::Fail, "0.2", "", None),
    ] {
        h.send(AppMsg::Gate(GateRow {
            id: id.into(),
            kind: crate::runbook::GateType::Http,
            state,
            value: value.into(),
            message: message.into(),
            expected: want.map(Into::into),
            at: Some(now),
        }));
    }
    let s = pane(44, 9, |a, b| {
        panes::gates::render(&h.app, &Theme::dark(), a, b, false);
    });
    assert!(s.contains(" 1.0.0 (want 2.0.0)"), "{s}");
    assert!(s.contains("✖ health     (want 200)"), "{s}");
    assert!(!s.contains("2.0.0 (want"), "{s}");
    assert_snapshot!("pane_gates_want", s);
    // In the 80-column layout the age gives way to what the gate wants.
    let s = pane(36, 9, |a, b| {
        panes::gates::render(&h.app, &Theme::dark(), a, b, false);
    });
    assert!(s.contains("✖ version    1.0.0 (want 2.0.0)  │"), "{s}");
    assert_snapshot!("pane_gates_want_36", s);
}
