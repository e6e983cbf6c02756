//! The log pane's state: one [`LogView`] per source, which source is shown (the running or last
//! step, else the first service; `[`/`]` pin another), follow/paused, scrolling and search.

use crate::release::Phase;

use crate::logs::LogLine;

use super::logview::{LogView, Query};

/// Where a log buffer's lines come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogSource {
    Step { phase: Phase, id: String },
    Service(String),
}

impl LogSource {
    /// The name shown in the pane title and passed to `AppEffect::SaveLog`.
    pub fn label(&self) -> String {
        match self {
            LogSource::Step {
                phase: Phase::Main,
                id,
            } => id.clone(),
            LogSource::Step {
                phase: Phase::Rollback,
                id,
            } => format!("rollback:{id}"),
            LogSource::Service(name) => name.clone(),
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct Logs {
    steps: Vec<(Phase, String, LogView)>,
    pub(crate) services: Vec<(String, LogView)>,
    /// A source chosen with `[`/`]` (an index over steps then services).
    pinned: Option<usize>,
    /// The step that started last (the running one while a step runs).
    last_step: Option<usize>,
    pub follow: bool,
    /// The top line's absolute number while paused.
    pub(crate) top: u64,
    query: Option<Query>,
    /// The current match's absolute number.
    pub(crate) current: Option<u64>,
    /// `&`: only lines matching this are shown.
    pub(crate) filter: Option<Query>,
    /// `t`: show each line's time.
    pub timestamps: bool,
    /// The merged sources' lines waiting out the reorder window, by service (see
    /// `ui/logmerge.rs`); their views are `services` entries labelled `SERVICE/*`.
    pub(crate) merges: Vec<(String, super::merge::Merge)>,
    /// The front end skips this pane's frames (`AppMsg::LogThrottled`): the title says so.
    pub throttled: bool,
}

impl Logs {
    pub fn new() -> Self {
        Self {
            follow: true,
            ..Self::default()
        }
    }

    pub fn add_service(&mut self, name: &str) {
        if !self.services.iter().any(|(n, _)| n == name) {
            let v = self.new_view();
            self.services.push((name.to_owned(), v));
        }
    }

    /// An empty view with the pane's search and filter.
    fn new_view(&self) -> LogView {
        let mut v = LogView::new();
        v.set_query(self.query.as_ref());
        v.set_filter(self.filter.as_ref());
        v
    }

    fn step_index(&mut self, phase: Phase, id: &str) -> usize {
        if let Some(i) = self
            .steps
            .iter()
            .position(|(p, s, _)| *p == phase && s == id)
        {
            return i;
        }
        let v = self.new_view();
        self.steps.push((phase, id.to_owned(), v));
        self.steps.len() - 1
    }

    /// A step started: its output becomes the shown source, followed.
    pub fn step_started(&mut self, phase: Phase, id: &str, attempt: u32, clock: &str) {
        let i = self.step_index(phase, id);
        if attempt > 1 {
            self.steps[i].2.push_line(LogLine::marker(
                format!("── attempt {attempt} · {clock} ──"),
                None,
            ));
        }
        self.last_step = Some(i);
        self.pinned = None;
        self.follow = true;
        self.current = None;
    }

    pub fn step_output(&mut self, phase: Phase, id: &str, lines: &[String]) {
        let i = self.step_index(phase, id);
        self.steps[i].2.extend(lines.iter().cloned());
    }

    pub fn service_output(&mut self, name: &str, lines: Vec<String>) {
        self.add_service(name);
        if let Some((_, v)) = self.services.iter_mut().find(|(n, _)| n == name) {
            v.extend(lines);
        }
    }

    /// How many sources there are.
    /// A new container source of `service`, among its siblings in name order (whatever order
    /// their first lines came in); a source pinned with `[`/`]` stays the one shown.
    pub(crate) fn insert_container(&mut self, service: &str, label: &str) {
        let prefix = format!("{service}/");
        let merged = super::merge::label(service);
        let siblings: Vec<usize> = (0..self.services.len())
            .filter(|&i| {
                let n = &self.services[i].0;
                n.starts_with(&prefix) && *n != merged
            })
            .collect();
        let Some(&last) = siblings.last() else {
            return; // the first of its service: appended as before
        };
        let at = siblings
            .iter()
            .copied()
            .find(|&i| self.services[i].0.as_str() > label)
            .unwrap_or(last + 1);
        let v = self.new_view();
        self.services.insert(at, (label.to_owned(), v));
        let index = self.steps.len() + at;
        if let Some(p) = self.pinned.as_mut()
            && *p >= index
        {
            *p += 1;
        }
    }

    pub fn count(&self) -> usize {
        self.steps.len() + self.services.len()
    }

    /// The index of the shown source.
    pub fn selected(&self) -> Option<usize> {
        self.pinned
            .or(self.last_step)
            .or((!self.services.is_empty()).then_some(self.steps.len()))
    }

    /// A source by index, with its buffer.
    pub fn source(&self, i: usize) -> Option<(LogSource, &LogView)> {
        if let Some((phase, id, v)) = self.steps.get(i) {
            return Some((
                LogSource::Step {
                    phase: *phase,
                    id: id.clone(),
                },
                v,
            ));
        }
        let (name, v) = self.services.get(i - self.steps.len())?;
        Some((LogSource::Service(name.clone()), v))
    }

    /// Every buffer, for settings that apply to all sources.
    pub(crate) fn views_mut(&mut self) -> impl Iterator<Item = &mut LogView> {
        self.steps
            .iter_mut()
            .map(|(_, _, v)| v)
            .chain(self.services.iter_mut().map(|(_, v)| v))
    }

    /// The shown source and its buffer.
    pub fn shown(&self) -> Option<(LogSource, &LogView)> {
        self.source(self.selected()?)
    }

    /// `[` (-1) and `]` (+1): pin the previous or next source, followed.
    pub fn cycle(&mut self, delta: isize) -> bool {
        let n = self.count();
        if n == 0 {
            return false;
        }
        let cur = self.selected().unwrap_or(0);
        let n_i = isize::try_from(n).unwrap_or(isize::MAX);
        let cur_i = isize::try_from(cur).unwrap_or(0);
        let next = usize::try_from((cur_i + delta).rem_euclid(n_i)).unwrap_or(0);
        self.pinned = Some(next);
        self.follow = true;
        self.current = None;
        true
    }

    /// The top line's absolute number for a view `h` lines high.
    pub fn visible_top(&self, h: usize) -> u64 {
        let Some((_, v)) = self.shown() else { return 0 };
        if self.filter.is_some() {
            return self.filtered_top(v, h);
        }
        let bottom = v.end().saturating_sub(h as u64).max(v.first());
        if self.follow {
            bottom
        } else {
            self.top.clamp(v.first(), bottom)
        }
    }

    pub(crate) fn pause_at(&mut self, top: u64) {
        self.top = top;
        self.follow = false;
    }

    pub fn scroll_up(&mut self, n: usize, h: usize) {
        if self.filter.is_some() {
            return self.filtered_scroll(-isize::try_from(n).unwrap_or(isize::MAX), h);
        }
        let top = self.visible_top(h).saturating_sub(n as u64);
        let first = self.shown().map_or(0, |(_, v)| v.first());
        self.pause_at(top.max(first));
    }

    pub fn scroll_down(&mut self, n: usize, h: usize) {
        if self.filter.is_some() {
            return self.filtered_scroll(isize::try_from(n).unwrap_or(isize::MAX), h);
        }
        if !self.follow {
            self.top = self.visible_top(h) + n as u64;
            self.top = self.visible_top(h);
        }
    }

    pub fn home(&mut self) {
        let first = self.shown().map_or(0, |(_, v)| v.first());
        self.pause_at(first);
    }

    /// `End`: follow again.
    pub fn end(&mut self) {
        self.follow = true;
        self.current = None;
    }

    /// `f`: pause where the view is, or follow again.
    pub fn toggle_follow(&mut self, h: usize) {
        if self.follow {
            let top = self.visible_top(h);
            self.pause_at(top);
        } else {
            self.end();
        }
    }

    /// Set the search query for every source.
    pub fn set_query(&mut self, text: &str) {
        self.query = Query::new(text);
        self.current = None;
        let q = self.query.clone();
        for v in self.views_mut() {
            v.set_query(q.as_ref());
        }
    }

    /// The query as typed (after smart-case folding).
    pub fn query(&self) -> Option<&Query> {
        self.query.as_ref()
    }

    pub fn current_match(&self) -> Option<u64> {
        self.current
    }

    /// Jump to the next (newer, `forward`) or previous match, wrapping; the first jump goes to
    /// the newest match. Pauses the view with the match a third of the way down.
    pub fn jump(&mut self, forward: bool, rows: usize) -> Result<(), String> {
        let Some(query) = &self.query else {
            return Err("no search: press / to search the logs".into());
        };
        let text = query.text().to_owned();
        let Some((_, view)) = self.shown() else {
            return Err("no log source to search".into());
        };
        let matches = view.matches();
        let (Some(&first), Some(&last)) = (matches.front(), matches.back()) else {
            return Err(format!("no match for `{text}`"));
        };
        let target = match self.current {
            None => last,
            Some(cur) if forward => matches.iter().copied().find(|&m| m > cur).unwrap_or(first),
            Some(cur) => matches
                .iter()
                .rev()
                .copied()
                .find(|&m| m < cur)
                .unwrap_or(last),
        };
        self.current = Some(target);
        self.pause_at(target.saturating_sub(rows as u64 / 3));
        Ok(())
    }

    /// `(position, count)` of the current match among the shown source's matches.
    pub fn match_position(&self) -> (Option<usize>, usize) {
        let Some((_, v)) = self.shown() else {
            return (None, 0);
        };
        let m = v.matches();
        let pos = self.current.and_then(|c| m.binary_search(&c).ok());
        (pos.map(|p| p + 1), m.len())
    }
}
