//! The revisions lines of the services & revisions pane, pure: git (HEAD, current, previous,
//! LKG), each command source's rows, and each live version (✔ matches / ✖ mismatch), every
//! row with its relative age. The services pane draws them under the containers. Without a
//! release tag on HEAD, `current` is the first live version (`2.0.0 (live)`), or says there is
//! no version source.

use chrono::{DateTime, Utc};
use ratatui::style::Style;
use ratatui::text::{Line, Span};

use crate::model::git::GitInfo;
use crate::model::revisions::{LiveVersion, RevisionRow, RevisionsModel, SourceData, SourceState};
use crate::ui::text;
use crate::ui::theme::Theme;

/// How many rows of each command source are listed (newest first) before "… N more".
pub const ROWS_SHOWN: usize = 5;

/// One line: `left` spans, then the age right-aligned, all within `width` columns.
fn row(
    left: Vec<(String, Style)>,
    age: Option<String>,
    width: usize,
    theme: &Theme,
) -> Line<'static> {
    let age = age.unwrap_or_default();
    let age_w = text::width(&age);
    let room = if age.is_empty() || width < age_w + 12 {
        width
    } else {
        width - age_w - 1
    };
    let mut spans = Vec::new();
    let mut used = 0;
    for (s, style) in left {
        if used >= room {
            break;
        }
        let s = text::ellipsize(&s, room - used);
        used += text::width(&s);
        spans.push(Span::styled(s, style));
    }
    if room < width && !age.is_empty() {
        spans.push(Span::raw(" ".repeat(width - used - age_w)));
        spans.push(Span::styled(age, theme.muted));
    }
    Line::from(spans)
}

fn age_of(at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> Option<String> {
    at.map(|t| text::ago((now - t).num_seconds()))
}

/// What the `current` row says when no release tag is on HEAD: the first live version read
/// (`2.0.0 (live)`), `-` while a source is not read yet or failed (its own line says why), else
/// `? (no version source)`. `Ok` when it is a version.
fn current_without_tag(model: &RevisionsModel) -> Result<String, &'static str> {
    if let Some((name, v)) = model.sources.iter().find_map(|s| match &s.data {
        SourceData::Live(v) => Some((&s.name, v)),
        _ => None,
    }) {
        return Ok(format!("{} ({name})", v.version));
    }
    let unread = model
        .sources
        .iter()
        .any(|s| matches!(s.data, SourceData::Pending | SourceData::Error(_)));
    Err(if unread { "-" } else { "? (no version source)" })
}

fn git_lines(
    g: &GitInfo,
    untagged: &Result<String, &'static str>,
    now: DateTime<Utc>,
    w: usize,
    theme: &Theme,
    out: &mut Vec<Line<'static>>,
) {
    let mut head = vec![
        ("git ".to_owned(), theme.title),
        ("HEAD ".to_owned(), theme.muted),
        (g.short.clone().unwrap_or_else(|| "-".into()), theme.text),
    ];
    if let Some(b) = &g.branch {
        head.push((format!(" {b}"), theme.muted));
    }
    out.push(row(head, age_of(g.head_time, now), w, theme));
    for (label, tag) in [
        ("current ", &g.current),
        ("previous", &g.previous),
        ("LKG     ", &g.lkg),
    ] {
        let (value, style, age) = match tag {
            Some(t) => (t.clone(), theme.accent, age_of(g.tag_time(t), now)),
            None if label == "current " => match untagged {
                Ok(v) => (v.clone(), theme.accent, None),
                Err(why) => ((*why).to_owned(), theme.muted, None),
            },
            None => ("-".to_owned(), theme.muted, None),
        };
        out.push(row(
            vec![(format!("  {label} "), theme.muted), (value, style)],
            age,
            w,
            theme,
        ));
    }
}

fn command_rows(
    name: &str,
    rows: &[RevisionRow],
    now: DateTime<Utc>,
    w: usize,
    theme: &Theme,
    out: &mut Vec<Line<'static>>,
) {
    let count = if rows.is_empty() {
        " no revisions".to_owned()
    } else {
        format!(" {} revisions", rows.len())
    };
    out.push(row(
        vec![(name.to_owned(), theme.title), (count, theme.muted)],
        None,
        w,
        theme,
    ));
    let id_w = rows
        .iter()
        .take(ROWS_SHOWN)
        .map(|r| text::width(&r.id))
        .max()
        .unwrap_or(0);
    let status_w = rows
        .iter()
        .take(ROWS_SHOWN)
        .map(|r| r.status.as_deref().map_or(1, text::width))
        .max()
        .unwrap_or(0);
    for r in rows.iter().take(ROWS_SHOWN) {
        let (mark, style) = if r.is_running() {
            ("▶", theme.running)
        } else {
            ("·", theme.pending)
        };
        let mut left = vec![
            (format!("  {mark} "), style),
            (format!("{:<id_w$}  ", r.id), theme.text),
            (
                format!("{:<status_w$}", r.status.as_deref().unwrap_or("-")),
                style,
            ),
        ];
        if let Some(d) = &r.description {
            left.push((format!("  {d}"), theme.muted));
        }
        out.push(row(left, age_of(r.at, now), w, theme));
    }
    if rows.len() > ROWS_SHOWN {
        out.push(row(
            vec![(
                format!("    … {} more", rows.len() - ROWS_SHOWN),
                theme.muted,
            )],
            None,
            w,
            theme,
        ));
    }
}

fn live_line(
    s: &SourceState,
    v: &LiveVersion,
    release_version: &str,
    now: DateTime<Utc>,
    w: usize,
    theme: &Theme,
) -> Line<'static> {
    let mut left = vec![(format!("{} ", s.name), theme.title)];
    if v.matches(release_version) {
        left.push(("✔ ".into(), theme.ok));
        left.push((v.version.clone(), theme.text));
        left.push((" matches".into(), theme.ok));
    } else {
        left.push(("✖ ".into(), theme.fail));
        left.push((v.version.clone(), theme.fail));
        left.push((format!(" ≠ release {release_version}"), theme.fail));
    }
    if let Some(sha) = &v.sha {
        left.push((format!(" · sha {sha}"), theme.muted));
    }
    row(left, age_of(s.checked, now), w, theme)
}

/// The revisions lines for a pane `width` columns wide (each line fits it).
pub fn revisions_lines(
    model: &RevisionsModel,
    release_version: &str,
    now: DateTime<Utc>,
    width: u16,
    theme: &Theme,
) -> Vec<Line<'static>> {
    let w = usize::from(width);
    let mut out = Vec::new();
    match &model.git {
        Some(Ok(g)) => git_lines(g, &current_without_tag(model), now, w, theme, &mut out),
        Some(Err(e)) => out.push(row(
            vec![
                ("git ".to_owned(), theme.title),
                (format!("✖ {e}"), theme.fail),
            ],
            None,
            w,
            theme,
        )),
        None => {}
    }
    for s in &model.sources {
        match &s.data {
            SourceData::Pending => out.push(row(
                vec![
                    (format!("{} ", s.name), theme.title),
                    ("· reading…".to_owned(), theme.muted),
                ],
                None,
                w,
                theme,
            )),
            SourceData::Error(e) => out.push(row(
                vec![
                    (format!("{} ", s.name), theme.title),
                    (format!("✖ {e}"), theme.fail),
                ],
                age_of(s.checked, now),
                w,
                theme,
            )),
            SourceData::Rows(rows) => command_rows(&s.name, rows, now, w, theme, &mut out),
            SourceData::Live(v) => out.push(live_line(s, v, release_version, now, w, theme)),
        }
    }
    if out.is_empty() {
        out.push(row(
            vec![("no revision sources configured".to_owned(), theme.muted)],
            None,
            w,
            theme,
        ));
    }
    out
}
