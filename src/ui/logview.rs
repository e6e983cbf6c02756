//! One log source's buffer: the bounded [`Ring`] of `logs/`, plus the incremental search and
//! filter matches (absolute line numbers, kept in step as lines come and go).

use std::collections::VecDeque;

pub use crate::logs::Query;
use crate::logs::ring::DEFAULT_LINES as LOG_CAP_LINES;
use crate::logs::{LogLine, Ring};

/// How many lines a source keeps.
pub const LOG_CAP: usize = LOG_CAP_LINES;

/// Matching lines' absolute numbers for one query.
#[derive(Debug, Clone, Default)]
struct Matches {
    query: Option<Query>,
    lines: VecDeque<u64>,
}

impl Matches {
    fn set(&mut self, query: Option<&Query>, ring: &Ring) {
        self.query = query.cloned();
        self.lines.clear();
        if let Some(q) = &self.query {
            for (i, l) in ring.iter().enumerate() {
                if q.is_match(&l.text) {
                    self.lines.push_back(ring.first() + i as u64);
                }
            }
        }
    }

    fn pushed(&mut self, n: u64, line: &LogLine, first: u64) {
        while self.lines.front().is_some_and(|&m| m < first) {
            self.lines.pop_front();
        }
        if self.query.as_ref().is_some_and(|q| q.is_match(&line.text)) {
            self.lines.push_back(n);
        }
    }
}

/// The lines of one source.
#[derive(Debug, Clone, Default)]
pub struct LogView {
    ring: Ring,
    search: Matches,
    filter: Matches,
}

impl LogView {
    pub fn new() -> Self {
        Self::default()
    }

    /// A buffer with other bounds (tests, benches).
    pub fn with_bounds(max_lines: usize, max_bytes: usize) -> Self {
        Self {
            ring: Ring::new(max_lines, max_bytes),
            ..Self::default()
        }
    }

    /// Add one line of a step's (already masked) output: colours parsed, long lines cut.
    pub fn push(&mut self, line: &str) {
        let masker = crate::logs::Masker::default();
        self.push_line(LogLine::from_raw(line.as_bytes(), None, &masker));
    }

    /// Add one line, dropping the oldest ones to stay within the ring's bounds.
    pub fn push_line(&mut self, line: LogLine) {
        let n = self.ring.end();
        self.ring.push(line);
        let first = self.ring.first();
        let Some(l) = self.ring.get(n) else { return };
        self.search.pushed(n, l, first);
        self.filter.pushed(n, l, first);
    }

    pub fn extend(&mut self, lines: impl IntoIterator<Item = String>) {
        for l in lines {
            self.push(&l);
        }
    }

    pub fn extend_lines(&mut self, lines: impl IntoIterator<Item = LogLine>) {
        for l in lines {
            self.push_line(l);
        }
    }

    pub fn ring(&self) -> &Ring {
        &self.ring
    }

    /// Lines kept now.
    pub fn len(&self) -> usize {
        self.ring.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ring.is_empty()
    }

    /// Absolute number of the oldest kept line.
    pub fn first(&self) -> u64 {
        self.ring.first()
    }

    /// One past the absolute number of the newest line.
    pub fn end(&self) -> u64 {
        self.ring.end()
    }

    /// Lines pushed out of the buffer so far.
    pub fn dropped(&self) -> u64 {
        self.ring.dropped()
    }

    /// The text of the line with absolute number `n`, if still kept.
    pub fn get(&self, n: u64) -> Option<&str> {
        self.ring.get(n).map(|l| l.text.as_str())
    }

    /// The line with absolute number `n`, if still kept.
    pub fn line(&self, n: u64) -> Option<&LogLine> {
        self.ring.get(n)
    }

    /// Every kept line's text, oldest first (for saving).
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.ring.iter().map(|l| l.text.as_str())
    }

    /// Set the search query and recompute the matches.
    pub fn set_query(&mut self, query: Option<&Query>) {
        self.search.set(query, &self.ring);
    }

    pub fn query(&self) -> Option<&Query> {
        self.search.query.as_ref()
    }

    /// Absolute numbers of the matching lines, oldest first.
    pub fn matches(&self) -> &VecDeque<u64> {
        &self.search.lines
    }

    /// Set the filter (`&`): only matching lines are shown.
    pub fn set_filter(&mut self, query: Option<&Query>) {
        self.filter.set(query, &self.ring);
    }

    pub fn filter(&self) -> Option<&Query> {
        self.filter.query.as_ref()
    }

    /// Absolute numbers of the lines the filter lets through, oldest first.
    pub fn filtered(&self) -> &VecDeque<u64> {
        &self.filter.lines
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_with_absolute_numbers_and_dropped_count() {
        let mut v = LogView::new();
        v.extend((0..LOG_CAP + 5).map(|i| format!("line {i}")));
        assert_eq!(v.len(), LOG_CAP);
        assert_eq!(v.dropped(), 5);
        assert_eq!(v.first(), 5);
        assert_eq!(v.get(5), Some("line 5"));
        assert_eq!(v.get(4), None);
        assert_eq!(v.get(v.end()), None);
    }

    #[test]
    fn matches_follow_pushes_and_evictions() {
        let mut v = LogView::new();
        v.extend(["ok", "ERROR one", "fine", "error two"].map(String::from));
        v.set_query(Query::new("error").as_ref());
        assert_eq!(v.matches().iter().copied().collect::<Vec<_>>(), [1, 3]);
        v.push("another error");
        assert_eq!(v.matches().len(), 3);
        v.set_query(Query::new("ERROR").as_ref());
        assert_eq!(v.matches().iter().copied().collect::<Vec<_>>(), [1]);
        v.extend((0..LOG_CAP).map(|_| "x".to_owned()));
        assert!(v.matches().is_empty(), "evicted matches go");
    }

    #[test]
    fn filter_keeps_its_own_matches() {
        let mut v = LogView::with_bounds(3, usize::MAX);
        v.extend(["a1", "b", "a2"].map(String::from));
        v.set_filter(Query::new("a").as_ref());
        assert_eq!(v.filtered().iter().copied().collect::<Vec<_>>(), [0, 2]);
        v.push("a3");
        v.push("c");
        assert_eq!(v.filtered().iter().copied().collect::<Vec<_>>(), [2, 3]);
    }

    #[test]
    fn ranges_and_long_lines() {
        let q = Query::new("ab").expect("q");
        assert_eq!(q.ranges("xAbyab"), [1..3, 4..6]);
        assert!(Query::new("").is_none());
        let mut v = LogView::new();
        v.push(&"é".repeat(crate::logs::ring::MAX_LINE));
        let l = v.get(0).expect("line");
        assert!(l.len() < crate::logs::ring::MAX_LINE + 40 && l.contains("…[truncated"));
    }
}
