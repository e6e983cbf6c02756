//! The trigger chart (`g`): values over the watch, threshold and baseline lines, marks per
//! state, time left; gate selection in the gates pane; `Esc` closes.

use insta::assert_snapshot;

use super::*;
use crate::model::threshold::Threshold;
use crate::ui::app::Focus;

/// A staging release whose 5-minute watch (`watch`: error-rate, p99) has run 100 s, with
/// error-rate journaled six times (pass, pass, warn, pass, fail, error).
fn charted() -> H {
    let mut h = H::new("staging");
    h.app = h.app.clone().with_triggers(
        BTreeMap::from([
            (
                "error-rate".to_owned(),
                Threshold {
                    condition: "fail if result > 0.05".into(),
                    fixed: Some(0.05),
                },
            ),
            (
                "p99".to_owned(),
                Threshold {
                    condition: "result <= baseline * 2".into(),
                    fixed: None,
                },
            ),
        ]),
        BTreeMap::from([(
            "watch".to_owned(),
            vec!["error-rate".to_owned(), "p99".to_owned()],
        )]),
    );
    for _ in 0..5 {
        h.release(Msg::Skip {
            reason: "done earlier".into(),
        });
    }
    h.key("enter");
    let results: [(&str, serde_json::Value); 6] = [
        ("pass", serde_json::json!(0.01)),
        ("pass", serde_json::json!(0.02)),
        ("warn", serde_json::json!(0.04)),
        ("pass", serde_json::json!(0.03)),
        ("fail", serde_json::json!(0.19)),
        ("error", serde_json::Value::Null),
    ];
    for (state, value) in results {
        h.clock += 15;
        h.send(AppMsg::Journaled(
            Event::GateResult {
                step: Some("watch".into()),
                gate: "error-rate".into(),
                state: state.into(),
                value,
                message: String::new(),
                expected: None,
            },
            h.now(),
        ));
    }
    h.app.set_baseline("error-rate", Some(0.015));
    h
}

#[test]
fn g_opens_the_latest_triggers_chart_with_its_lines_marks_and_time_left() {
    let mut h = charted();
    h.key("g");
    assert!(
        matches!(h.modal(), Some(Modal::Chart(c)) if c.gate == "error-rate" && c.step == "watch"),
        "{:?}",
        h.modal()
    );
    let s = screen(&mut h, 160, 48);
    assert!(s.contains("error-rate · step watch · 03:23 left"), "{s}");
    assert!(s.contains("threshold: fail if result > 0.05"), "{s}");
    assert!(s.contains("baseline 0.015"), "{s}");
    assert!(s.contains("• 3 pass ⚠ 1 warn ✖ 1 fail ? 1 error"), "{s}");
    for mark in ['✖', '⚠', '─', '┄'] {
        assert!(s.contains(mark), "{mark} is drawn: {s}");
    }
    assert!(
        s.contains("0:00") && s.contains("5:00"),
        "the x axis spans the watch: {s}"
    );
    assert_snapshot!("chart_160x48", s);
    let small = screen(&mut h, 80, 24);
    assert!(
        small.contains("threshold: fail if result > 0.05"),
        "{small}"
    );
    assert!(small.contains('✖') && small.contains("5:00"), "{small}");
    assert_snapshot!("chart_80x24", small);
    h.key("esc");
    assert!(h.modal().is_none(), "esc closes the chart");
}

#[test]
fn the_threshold_line_is_drawn_at_its_value() {
    let mut h = charted();
    h.key("g");
    let buf = draw(&h.app, &Theme::dark(), 160, 48);
    // The y-axis label row of the top (0.207…) and bottom (0) of the range, and the row of
    // the threshold line: the threshold 0.05 lies a quarter of the way up.
    let label_row = |label: &str| {
        (0..48u16).find(|y| {
            let line: String = (0..12).map(|x| buf[(x, *y)].symbol().to_owned()).collect();
            line.trim_start_matches([' ', '│']).starts_with(label)
        })
    };
    let top = label_row("0.208").expect("top label");
    let bottom = label_row("0 ")
        .or_else(|| label_row("0│"))
        .expect("bottom label");
    let rows: Vec<u16> = (top..=bottom)
        .filter(|y| (0..160).filter(|x| buf[(*x, *y)].symbol() == "─").count() > 60)
        .collect();
    assert_eq!(rows.len(), 1, "one threshold line: {}", text(&buf));
    let th = rows[0];
    let frac = f64::from(bottom - th) / f64::from(bottom - top);
    assert!(
        (frac - 0.05 / 0.208).abs() < 0.06,
        "threshold row {th} between {top} and {bottom}: {frac}\n{}",
        text(&buf)
    );
}

#[test]
fn a_selected_gate_is_charted_and_a_baseline_threshold_waits_for_its_baseline() {
    let mut h = charted();
    h.app.focus = Focus::Gates;
    h.key("down");
    h.key("down");
    h.key("down");
    assert_eq!(h.app.gate_selected, Some(2));
    let s = screen(&mut h, 160, 48);
    assert!(s.contains("▸✔ p99") || s.contains("▸· p99"), "{s}");
    h.key("g");
    assert!(matches!(h.modal(), Some(Modal::Chart(c)) if c.gate == "p99"));
    let s = screen(&mut h, 80, 24);
    assert!(s.contains("threshold: result <= baseline * 2"), "{s}");
    assert!(s.contains("baseline not measured"), "{s}");
    assert!(s.contains("not measured during this watch yet"), "{s}");
    h.key("esc");
    h.app.set_baseline("p99", Some(1.5));
    h.key("g");
    let s = screen(&mut h, 160, 48);
    assert!(
        s.contains("result <= baseline * 2 = 3 · baseline 1.5"),
        "{s}"
    );
}

#[test]
fn g_on_a_gate_no_watch_uses_is_refused() {
    let mut h = charted();
    h.app.focus = Focus::Gates;
    h.key("down");
    h.key("up");
    assert_eq!(h.app.gate_selected, Some(0));
    h.key("g");
    assert!(h.modal().is_none());
    assert!(
        h.status().contains("`health` is not a trigger"),
        "{}",
        h.status()
    );
}

#[test]
fn help_lists_g() {
    let mut h = H::new("staging");
    h.key("?");
    let s = screen(&mut h, 160, 48);
    assert!(s.contains("chart a trigger over its watch"), "{s}");
}

#[test]
fn the_armed_banner_stays_in_view_over_the_chart() {
    let mut h = charted();
    h.release(Msg::Arm {
        reason: "trigger error-rate tripped: 0.19 > 0.05".into(),
        target: Some("v1.4.1".into()),
    });
    h.key("g");
    assert!(
        matches!(h.modal(), Some(Modal::Chart(_))),
        "{:?}",
        h.modal()
    );
    for (w, rows) in [(80, 24), (160, 48)] {
        let s = screen(&mut h, w, rows);
        assert!(s.contains("ROLLBACK ARMED"), "{s}");
        assert!(s.contains("threshold: fail if result > 0.05"), "{s}");
    }
}

#[test]
fn away_from_the_gates_pane_g_charts_the_latest_trigger() {
    let mut h = charted();
    h.app.focus = Focus::Gates;
    h.key("down");
    h.key("down");
    h.key("down");
    h.app.focus = Focus::Logs;
    h.key("g");
    assert!(
        matches!(h.modal(), Some(Modal::Chart(c)) if c.gate == "error-rate"),
        "{:?}",
        h.modal()
    );
}
