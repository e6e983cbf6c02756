//! The revisions lines (snapshots at fixed times and widths) and the rollback picker: `R` in
//! pick mode opens it, `↑`/`↓` choose, `⏎` leads to the confirmation with the pick as target,
//! `Esc` cancels; fresh readings keep the choice.

use insta::assert_snapshot;
use ratatui::text::Line;

use super::*;
use crate::model::git::{GitInfo, TagInfo};
use crate::model::revisions::{
    LiveVersion, RevisionRow, RevisionsModel, RevisionsMsg, SourceData, SourceState,
};
use crate::ui::panes::revisions::revisions_lines;

fn ago(secs: i64) -> Option<DateTime<Utc>> {
    t(-secs).into()
}

fn tag(name: &str, secs: i64) -> TagInfo {
    TagInfo {
        name: name.into(),
        time: ago(secs),
        commit: String::new(),
    }
}

fn helm_rows() -> Vec<RevisionRow> {
    (36..=42)
        .rev()
        .map(|rev: i64| RevisionRow {
            id: rev.to_string(),
            status: Some(if rev == 42 { "deployed" } else { "superseded" }.into()),
            at: ago((43 - rev) * 86_400 - 900),
            description: Some("Upgrade complete".into()),
        })
        .collect()
}

pub fn model() -> RevisionsModel {
    let git = GitInfo {
        head: Some("3f2a1c7d9e8b".into()),
        short: Some("3f2a1c7".into()),
        head_time: ago(2 * 3600),
        branch: Some("main".into()),
        current: Some("v1.4.2".into()),
        previous: Some("v1.4.1".into()),
        lkg: Some("ga-1.4.1".into()),
        tags: vec![
            tag("v1.4.2", 2 * 3600),
            tag("ga-1.4.1", 15 * 60),
            tag("v1.4.1", 5 * 86_400 / 2),
        ],
    };
    let source = |name: &str, data| SourceState {
        name: name.into(),
        data,
        checked: ago(12),
    };
    RevisionsModel {
        git: Some(Ok(git)),
        sources: vec![
            source("helm", SourceData::Rows(helm_rows())),
            source(
                "az",
                SourceData::Error("exit status 3: ERROR: (ResourceNotFound) not found".into()),
            ),
            source(
                "live",
                SourceData::Live(LiveVersion {
                    version: "1.4.2".into(),
                    sha: Some("3f2a1c7".into()),
                }),
            ),
            source(
                "canary",
                SourceData::Live(LiveVersion {
                    version: "1.4.1".into(),
                    sha: None,
                }),
            ),
            SourceState {
                name: "render".into(),
                data: SourceData::Pending,
                checked: None,
            },
        ],
    }
}

fn plain(lines: &[Line<'_>]) -> String {
    let mut out = String::new();
    for l in lines {
        let s: String = l.spans.iter().map(|s| s.content.as_ref()).collect();
        out.push_str(s.trim_end());
        out.push('\n');
    }
    out
}

#[test]
fn revisions_lines_snapshots() {
    let theme = Theme::dark();
    for w in [60_u16, 34] {
        let lines = revisions_lines(&model(), "1.4.2", t(0), w, &theme);
        for l in &lines {
            assert!(l.width() <= usize::from(w), "{l:?} is wider than {w}");
        }
        assert_snapshot!(format!("revisions_lines_{w}"), plain(&lines));
    }
}

#[test]
fn mismatch_and_failures_are_marked_not_only_coloured() {
    let theme = Theme::dark();
    let lines = revisions_lines(&model(), "1.4.2", t(0), 60, &theme);
    let find = |what: &str| {
        lines
            .iter()
            .find(|l| l.spans.iter().any(|s| s.content.contains(what)))
            .unwrap_or_else(|| panic!("{what}"))
    };
    let canary = find("≠ release 1.4.2");
    assert!(
        canary
            .spans
            .iter()
            .any(|s| s.content == "✖ " && s.style == theme.fail)
    );
    let live = find(" matches");
    assert!(
        live.spans
            .iter()
            .any(|s| s.content == "✔ " && s.style == theme.ok)
    );
    assert!(
        find("✖ exit status 3")
            .spans
            .iter()
            .any(|s| s.style == theme.fail)
    );
    let empty = revisions_lines(&RevisionsModel::default(), "1", t(0), 40, &theme);
    assert_eq!(plain(&empty), "no revision sources configured\n");
}

fn picking() -> H {
    let mut h = H::new("staging");
    h.app.pick = true;
    h.app.revisions = model();
    h.past_qa_and_preflight();
    h
}

fn picker(h: &H) -> &crate::ui::modal::picker::RollbackPicker {
    match h.modal() {
        Some(Modal::Picker(p)) => p,
        other => panic!("no picker: {other:?}"),
    }
}

#[test]
fn r_opens_the_picker_newest_first_with_marks_and_previous_preselected() {
    let mut h = picking();
    let fx = h.key("R");
    assert_eq!(fx, [AppEffect::RefreshRevisions]);
    let p = picker(&h);
    let list: Vec<(&str, String)> = p
        .entries
        .iter()
        .map(|e| (e.target.as_str(), e.marks.join(",")))
        .collect();
    assert_eq!(
        list[..4],
        [
            ("ga-1.4.1", "LKG".to_owned()),
            ("42", "running".to_owned()),
            ("41", String::new()),
            ("v1.4.1", "previous".to_owned()),
        ]
    );
    assert_eq!(p.entries.len(), 9);
    assert_eq!(p.entries[p.selected].target, "v1.4.1");
    assert_eq!(p.notes.len(), 2, "az failed and render is not read yet");
    assert_snapshot!("picker_80x24", screen(&mut h, 80, 24));
}

#[test]
fn the_pick_is_the_confirmed_target_and_cancel_stays_the_default() {
    let mut h = picking();
    h.key("R");
    h.key("up");
    h.key("up");
    assert_eq!(picker(&h).entries[picker(&h).selected].target, "42");
    h.key("down");
    assert!(h.key("enter").is_empty());
    let Some(Modal::Rollback(m)) = h.modal() else {
        panic!("the confirmation follows: {:?}", h.modal())
    };
    assert_eq!(m.target.as_deref(), Some("41"));
    assert_eq!(m.target_source, "picked");
    assert_eq!(m.target_age.as_deref(), Some("1 day ago"));
    assert_snapshot!("picked_confirm_80x24", screen(&mut h, 80, 24));
    // Enter cancels the confirmation (the default).
    h.key("enter");
    assert!(h.modal().is_none());
    assert_eq!(h.status(), "rollback cancelled");
    h.key("R");
    h.key("enter");
    let fx = h.key("y");
    assert!(matches!(
        &fx[0],
        AppEffect::Release(Effect::Journal(Event::RollbackConfirmed { target, .. }))
            if target.as_deref() == Some("v1.4.1")
    ));
}

#[test]
fn esc_cancels_and_an_empty_picker_is_refused() {
    let mut h = picking();
    h.key("R");
    h.key("esc");
    assert!(h.modal().is_none());
    assert_eq!(h.status(), "rollback cancelled");
    let mut h = H::new("staging");
    h.app.pick = true;
    h.app.header.previous = None;
    h.app.header.lkg = None;
    h.past_qa_and_preflight();
    assert!(h.key("R").is_empty());
    assert!(h.modal().is_none());
    assert!(h.status().starts_with("nothing to pick"), "{}", h.status());
}

#[test]
fn fresh_readings_keep_the_choice_and_show_in_the_model() {
    let mut h = picking();
    h.key("R");
    h.key("up");
    h.key("up");
    let mut rows = helm_rows();
    rows.insert(
        0,
        RevisionRow {
            id: "43".into(),
            status: Some("pending-upgrade".into()),
            at: Some(t(1)),
            description: None,
        },
    );
    h.send(AppMsg::Revisions(RevisionsMsg::Source(SourceState {
        name: "helm".into(),
        data: SourceData::Rows(rows),
        checked: Some(t(1)),
    })));
    let p = picker(&h);
    assert_eq!(p.entries[0].target, "43");
    assert_eq!(p.entries[p.selected].target, "42");
    assert!(matches!(
        &h.app.revisions().source("helm").unwrap().data,
        SourceData::Rows(r) if r.len() == 8
    ));
}

/// Without a release tag on HEAD, `current` is the live version, or says why there is none.
#[test]
fn current_without_a_tag_is_the_live_version_or_says_there_is_no_source() {
    let theme = Theme::dark();
    let mut m = model();
    if let Some(Ok(g)) = &mut m.git {
        g.current = None;
    }
    let current = |m: &RevisionsModel| {
        plain(&revisions_lines(m, "2.0.0", t(0), 60, &theme))
            .lines()
            .find(|l| l.starts_with("  current"))
            .unwrap_or_default()
            .to_owned()
    };
    let live = |version: &str| SourceState {
        name: "live".into(),
        data: SourceData::Live(LiveVersion {
            version: version.into(),
            sha: None,
        }),
        checked: ago(1),
    };
    m.sources = vec![live("2.0.0")];
    assert_eq!(current(&m), "  current  2.0.0 (live)");
    m.sources = vec![SourceState {
        name: "live".into(),
        data: SourceData::Pending,
        checked: None,
    }];
    assert_eq!(current(&m), "  current  -", "not read yet");
    m.sources = vec![SourceState {
        name: "helm".into(),
        data: SourceData::Rows(helm_rows()),
        checked: ago(1),
    }];
    assert_eq!(current(&m), "  current  ? (no version source)");
    m.sources.clear();
    assert_eq!(current(&m), "  current  ? (no version source)");
}
