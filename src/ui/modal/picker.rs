//! The rollback picker (`rollback.target = "pick"`): the previous tag, the LKG tag and every
//! revision row, newest first, each with its age and marks (LKG, previous, running). `↑`/`↓`
//! choose, `⏎` picks (the confirmation follows, Cancel still its default), `Esc` cancels.

use chrono::{DateTime, Utc};
use crossterm::event::{KeyCode, KeyEvent};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use crate::model::revisions::{RevisionsModel, SourceData, newest_first};
use crate::ui::text;
use crate::ui::theme::Theme;

use super::{ModalOutcome, centred, frame, hint, width_for};

/// One choice: the value `{{ rollback.version }}` becomes, where it comes from, its age.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PickEntry {
    pub target: String,
    /// `git`, or the `[[revisions]]` source's name.
    pub source: String,
    pub status: Option<String>,
    pub at: Option<DateTime<Utc>>,
    /// `LKG`, `previous`, `running`.
    pub marks: Vec<&'static str>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RollbackPicker {
    pub entries: Vec<PickEntry>,
    pub selected: usize,
    /// Sources that could not be read (or not yet), said under the list.
    pub notes: Vec<String>,
}

/// The choices, newest first (undated last), and notes on the sources without rows.
/// `previous` and `lkg` are used when git has not been read.
pub fn entries(
    model: &RevisionsModel,
    previous: Option<&str>,
    lkg: Option<&str>,
) -> (Vec<PickEntry>, Vec<String>) {
    let git = model.git_info();
    let previous = git.map_or(previous, |g| g.previous.as_deref());
    let lkg = git.map_or(lkg, |g| g.lkg.as_deref());
    let mut out: Vec<PickEntry> = Vec::new();
    for (tag, mark) in [(previous, "previous"), (lkg, "LKG")] {
        let Some(tag) = tag else { continue };
        if let Some(e) = out
            .iter_mut()
            .find(|e| e.source == "git" && e.target == tag)
        {
            e.marks.push(mark);
            continue;
        }
        out.push(PickEntry {
            target: tag.to_owned(),
            source: "git".into(),
            status: None,
            at: git.and_then(|g| g.tag_time(tag)),
            marks: vec![mark],
        });
    }
    let mut notes = Vec::new();
    for s in &model.sources {
        match &s.data {
            SourceData::Rows(rows) => out.extend(rows.iter().map(|r| PickEntry {
                target: r.id.clone(),
                source: s.name.clone(),
                status: r.status.clone(),
                at: r.at,
                marks: if r.is_running() {
                    vec!["running"]
                } else {
                    vec![]
                },
            })),
            SourceData::Error(e) => notes.push(format!("{}: ✖ {e}", s.name)),
            SourceData::Pending => notes.push(format!("{}: reading…", s.name)),
            SourceData::Live(_) => {}
        }
    }
    out.sort_by(|a, b| newest_first(a.at, b.at));
    (out, notes)
}

impl RollbackPicker {
    /// A picker over `entries`, the previous tag preselected (else LKG, else the newest that is
    /// not running); `None` when there is nothing to pick.
    pub fn new(entries: Vec<PickEntry>, notes: Vec<String>) -> Option<RollbackPicker> {
        if entries.is_empty() {
            return None;
        }
        let has = |m: &str| entries.iter().position(|e| e.marks.contains(&m));
        let selected = has("previous")
            .or_else(|| has("LKG"))
            .or_else(|| entries.iter().position(|e| !e.marks.contains(&"running")))
            .unwrap_or(0);
        Some(RollbackPicker {
            entries,
            selected,
            notes,
        })
    }

    /// New entries (fresh readings), keeping the same choice selected when it is still there.
    pub fn refresh(&mut self, entries: Vec<PickEntry>, notes: Vec<String>) {
        if entries.is_empty() {
            return;
        }
        let cur = self.entries.get(self.selected);
        let same = cur.and_then(|c| {
            entries
                .iter()
                .position(|e| e.source == c.source && e.target == c.target)
        });
        self.selected = same.unwrap_or(self.selected.min(entries.len() - 1));
        self.entries = entries;
        self.notes = notes;
    }

    pub fn key(&mut self, ev: &KeyEvent) -> ModalOutcome {
        let last = self.entries.len().saturating_sub(1);
        match ev.code {
            KeyCode::Up | KeyCode::Char('k') => self.selected = self.selected.saturating_sub(1),
            KeyCode::Down | KeyCode::Char('j') => self.selected = (self.selected + 1).min(last),
            KeyCode::Home | KeyCode::Char('g') => self.selected = 0,
            KeyCode::End | KeyCode::Char('G') => self.selected = last,
            KeyCode::PageUp => self.selected = self.selected.saturating_sub(10),
            KeyCode::PageDown => self.selected = (self.selected + 10).min(last),
            KeyCode::Enter => {
                if let Some(e) = self.entries.get(self.selected) {
                    return ModalOutcome::Pick(e.target.clone());
                }
            }
            KeyCode::Esc | KeyCode::Char('q') => {
                return ModalOutcome::Close(Some("rollback cancelled".into()));
            }
            _ => {}
        }
        ModalOutcome::Keep
    }

    /// One entry as a line `width` columns wide: mark, target, source, status, marks, age.
    fn line(&self, i: usize, now: DateTime<Utc>, width: usize, theme: &Theme) -> Line<'static> {
        let e = &self.entries[i];
        let sel = i == self.selected;
        let tw = self
            .entries
            .iter()
            .map(|e| text::width(&e.target))
            .max()
            .unwrap_or(0);
        let sw = self
            .entries
            .iter()
            .map(|e| text::width(&e.source))
            .max()
            .unwrap_or(0);
        let mut left = format!(
            "{} {:<tw$}  {:<sw$}",
            if sel { "›" } else { " " },
            e.target,
            e.source
        );
        if let Some(s) = &e.status {
            left.push_str("  ");
            left.push_str(s);
        }
        if !e.marks.is_empty() {
            left.push_str("  [");
            left.push_str(&e.marks.join(", "));
            left.push(']');
        }
        let age = e.at.map_or_else(
            || "no date".to_owned(),
            |t| text::ago((now - t).num_seconds()),
        );
        let room = width.saturating_sub(text::width(&age) + 1);
        let left = text::ellipsize(&left, room);
        let pad = width.saturating_sub(text::width(&left) + text::width(&age));
        let style = if sel { theme.selected } else { theme.text };
        let age_style = if sel { theme.selected } else { theme.muted };
        Line::from(vec![
            Span::styled(format!("{left}{}", " ".repeat(pad)), style),
            Span::styled(age, age_style),
        ])
    }

    /// The picker's lines for an inside `width` columns wide and `rows` high: a window of the
    /// entries around the selection, the notes and the key hint.
    pub fn lines(
        &self,
        now: DateTime<Utc>,
        width: u16,
        rows: u16,
        theme: &Theme,
    ) -> Vec<Line<'static>> {
        let w = usize::from(width);
        let fixed = self.notes.len() + 2;
        let h = usize::from(rows).saturating_sub(fixed).max(1);
        let top = self.selected.saturating_sub(h - 1);
        let mut out: Vec<Line<'static>> = (top..self.entries.len().min(top + h))
            .map(|i| self.line(i, now, w, theme))
            .collect();
        for n in &self.notes {
            out.push(Line::styled(text::ellipsize(n, w), theme.warn));
        }
        out.push(Line::raw(""));
        let more = if self.entries.len() > h {
            format!("{}/{}", self.selected + 1, self.entries.len())
        } else {
            String::new()
        };
        let mut h = hint(
            &[("↑/↓", "choose"), ("⏎", "pick"), ("esc", "cancel")],
            theme,
        );
        if !more.is_empty() {
            h.spans.push(Span::styled(format!("  {more}"), theme.muted));
        }
        out.push(h);
        out
    }

    pub fn render(&self, now: DateTime<Utc>, theme: &Theme, area: Rect, buf: &mut Buffer) {
        let w = width_for(area);
        let want = self.entries.len() + self.notes.len() + 2;
        let room = usize::from(area.height.saturating_sub(4));
        let h = u16::try_from(want.min(room) + 2).unwrap_or(u16::MAX);
        let rect = centred(area, w, h);
        let title = Line::from(vec![
            Span::styled(" ↺ Roll back to… ", theme.danger),
            Span::styled("pick a revision ", theme.title),
        ]);
        let inner = frame(buf, rect, &title, theme.danger, theme);
        let x = inner.x + 1;
        let width = inner.width.saturating_sub(2);
        let lines = self.lines(now, width, inner.height, theme);
        for (line, y) in lines.iter().zip(inner.top()..inner.bottom()) {
            text::put_spans(buf, x, y, &line.spans, width);
        }
    }
}
