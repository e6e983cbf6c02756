//! The merged log source `SERVICE/*`: every replica's lines on every host, interleaved by
//! Docker's timestamp, prefixed and coloured by name; `[` `]`, search, filter, save, bounds.

use chrono::Duration;

use super::fleet::cockpit;
use super::*;
use crate::logs::{LineKind, LogLine};
use crate::model::logs::LogMsg;

/// A batch from `container` whose lines are stamped `ms` after the harness's clock.
fn batch(h: &mut H, container: &str, lines: &[(&str, i64)]) {
    let base = h.now();
    h.send(AppMsg::Log(LogMsg {
        source: format!("web/{container}"),
        lines: lines
            .iter()
            .map(|(text, ms)| LogLine {
                ts: Some(base + Duration::milliseconds(*ms)),
                ..LogLine::plain(*text)
            })
            .collect(),
    }));
}

fn to_merged(h: &mut H) {
    for _ in 0..h.app.logs.count() {
        if h.app
            .logs
            .shown()
            .is_some_and(|(s, _)| s.label() == "web/*")
        {
            return;
        }
        h.key("]");
    }
    panic!("no web/* source");
}

#[test]
fn replicas_on_both_hosts_interleave_by_timestamp_with_prefixes() {
    let mut h = cockpit(20);
    let base = h.now();
    let ms = |n: i64| base + Duration::milliseconds(n);
    let log = |container: &str, lines: &[(&str, i64)]| {
        AppMsg::Log(LogMsg {
            source: format!("web/{container}"),
            lines: lines
                .iter()
                .map(|(text, at)| LogLine {
                    ts: Some(ms(*at)),
                    ..LogLine::plain(*text)
                })
                .collect(),
        })
    };
    // a01's batch arrives first; b02's (edge-b) arrives 100 ms later with an older line.
    h.app
        .update(log("fdbar-web-a01", &[("one", 0), ("three", 60)]), ms(80));
    h.app.update(log("fdbar-web-b02", &[("two", 30)]), ms(180));
    assert!(h.app.log_lines("web/*").unwrap().is_empty(), "held");
    h.app.update(AppMsg::Tick, ms(330));
    assert_eq!(
        h.app.log_lines("web/*").unwrap(),
        ["a01 │ one", "b02 │ two", "a01 │ three"]
    );
    assert_eq!(
        h.app.log_lines("web/fdbar-web-a01").unwrap(),
        ["one", "three"]
    );
    assert_eq!(
        h.app.log_lines("web/fdbar-web-b02").unwrap(),
        ["two"],
        "the per-container sources remain, unprefixed"
    );
}

#[test]
fn brackets_reach_it_and_search_filter_save_and_timestamps_work_on_it() {
    let mut h = cockpit(20);
    for i in 1..=6 {
        let name = format!("fdbar-web-a{i:02}");
        batch(
            &mut h,
            &name,
            &[("GET /health 200", 0), ("POST /api 500", 1)],
        );
    }
    h.send(AppMsg::Tick);
    to_merged(&mut h);
    let s = screen(&mut h, 80, 24);
    assert!(s.contains("[web/*]"), "{s}");
    assert!(s.contains("a06 │ POST /api 500"), "{s}");
    h.key("&");
    h.typ("500");
    h.key("enter");
    let v = h.app.logs.shown().unwrap().1;
    assert_eq!(v.filtered().len(), 6, "the filter runs on merged lines");
    h.key("/");
    h.typ("a03");
    h.key("enter");
    assert_eq!(h.app.logs.match_position().1, 2, "a prefix can be searched");
    h.key("t");
    let s = screen(&mut h, 160, 48);
    assert!(s.contains(".001 a03 │ POST /api 500"), "timestamps:\n{s}");
    assert_eq!(h.key("ctrl-s"), [AppEffect::SaveLog("web/*".into())]);
    assert_eq!(h.app.log_lines("web/*").unwrap().len(), 12);
}

#[test]
fn prefixes_are_coloured_from_the_theme_palette() {
    let mut h = cockpit(20);
    batch(&mut h, "fdbar-web-a01", &[("hello", 0)]);
    batch(&mut h, "fdbar-web-b07", &[("world", 0)]);
    h.send(AppMsg::Tick);
    to_merged(&mut h);
    h.app.update(AppMsg::Resize(80, 24), h.now());
    let theme = Theme::dark();
    let buf = draw(&h.app, &theme, 80, 24);
    let palette = theme.palette();
    let mut seen = 0;
    for y in 0..24 {
        let row: String = (0..80).map(|x| buf[(x, y)].symbol()).collect();
        for name in ["a01", "b07"] {
            if let Some(at) = row.find(&format!("{name} │")) {
                let x = u16::try_from(row[..at].chars().count()).unwrap();
                let want = palette[crate::ui::merge::palette_index(name, palette.len())];
                assert_eq!(buf[(x, y)].fg, want.fg.unwrap(), "{name}: {row}");
                let after = buf[(x + 5, y)].fg;
                assert_ne!(Some(after), want.fg, "only the prefix is coloured");
                seen += 1;
            }
        }
    }
    assert_eq!(seen, 2);
}

#[test]
fn bounds_and_skip_markers_hold_in_the_merged_source() {
    let mut h = cockpit(20);
    let base = h.now();
    let many: Vec<LogLine> = (0..crate::ui::logview::LOG_CAP + 10)
        .map(|i| LogLine {
            ts: Some(base),
            ..LogLine::plain(format!("line {i}"))
        })
        .collect();
    h.send(AppMsg::Log(LogMsg {
        source: "web/fdbar-web-a01".into(),
        lines: many,
    }));
    h.send(AppMsg::Log(LogMsg {
        source: "web/fdbar-web-a02".into(),
        lines: vec![LogLine::marker("… about 900 lines skipped …", Some(base))],
    }));
    h.send(AppMsg::Tick);
    let (_, v) = (0..h.app.logs.count())
        .filter_map(|i| h.app.logs.source(i))
        .find(|(s, _)| s.label() == "web/*")
        .unwrap();
    assert_eq!(v.len(), crate::ui::logview::LOG_CAP);
    assert_eq!(v.dropped(), 11);
    let last = v.line(v.end() - 1).unwrap();
    assert_eq!(last.kind, LineKind::Marker);
    assert_eq!(last.text, "a02 │ … about 900 lines skipped …");
}

#[test]
fn the_app_asks_for_a_tick_when_merged_lines_are_due() {
    let mut h = cockpit(20);
    h.app.header.window_deadline = None;
    batch(&mut h, "fdbar-web-a01", &[("x", 0)]);
    let due = h.app.next_redraw_deadline(h.now()).expect("a deadline");
    assert_eq!(due, h.now() + Duration::milliseconds(250));
    h.app.update(AppMsg::Tick, due);
    assert_eq!(h.app.log_lines("web/*").unwrap(), ["a01 │ x"]);
    assert_eq!(h.app.next_redraw_deadline(due), None);
}

#[test]
fn the_prefix_follows_the_replicas_as_they_come_and_go() {
    let mut h = cockpit(1);
    let merged = |h: &mut H| {
        h.app.update(AppMsg::Tick, h.now() + Duration::seconds(1));
        h.app.log_lines("web/*").unwrap().last().cloned()
    };
    batch(&mut h, "fdbar-web-a01", &[("alone", 0)]);
    assert_eq!(
        merged(&mut h).as_deref(),
        Some("fdbar-web-a01 │ alone"),
        "a lone replica is named whole"
    );
    // A second replica starts: the first one's lines are told apart by what differs.
    h.send(AppMsg::Docker(crate::model::docker::DockerMsg::Changed {
        host: "edge-a".into(),
        container: super::fleet::replica("a", 2, "web"),
    }));
    batch(&mut h, "fdbar-web-a01", &[("sibling", 0)]);
    assert_eq!(merged(&mut h).as_deref(), Some("a01           │ sibling"));
    // It goes again: whole names once more.
    h.send(AppMsg::Docker(crate::model::docker::DockerMsg::Removed {
        host: "edge-a".into(),
        id: "id-fdbar-web-a02".into(),
    }));
    batch(&mut h, "fdbar-web-a01", &[("alone again", 0)]);
    assert_eq!(
        merged(&mut h).as_deref(),
        Some("fdbar-web-a01 │ alone again")
    );
}

#[test]
fn containers_are_listed_by_name_whatever_order_their_lines_come_in() {
    let mut h = cockpit(20);
    for c in ["fdbar-web-a05", "fdbar-web-a01", "fdbar-web-a03"] {
        batch(&mut h, c, &[("x", 0)]);
    }
    let labels = |h: &H| -> Vec<String> {
        (0..h.app.logs.count())
            .filter_map(|i| h.app.logs.source(i).map(|(s, _)| s.label()))
            .filter(|l| l.starts_with("web/"))
            .collect()
    };
    assert_eq!(
        labels(&h),
        [
            "web/fdbar-web-a01",
            "web/fdbar-web-a03",
            "web/fdbar-web-a05",
            "web/*"
        ]
    );
    // Pinned on a03 (`]`): a container that sorts before it does not move the pane to
    // another source.
    while h.app.logs.shown().unwrap().0.label() != "web/fdbar-web-a03" {
        h.key("]");
    }
    batch(&mut h, "fdbar-web-a02", &[("y", 0)]);
    assert_eq!(labels(&h)[1], "web/fdbar-web-a02");
    assert_eq!(h.app.logs.shown().unwrap().0.label(), "web/fdbar-web-a03");
}
