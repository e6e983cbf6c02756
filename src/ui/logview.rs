//! One log source's buffer: a bounded deque of lines (10k; a later issue replaces it with the
//! ring of `logs/`), with absolute line numbers, a dropped count and incremental search matches.

use std::collections::VecDeque;
use std::ops::Range;

/// How many lines a source keeps.
pub const LOG_CAP: usize = 10_000;
/// Longer lines are cut, with a mark saying how much was cut.
pub const MAX_LINE: usize = 64 * 1024;

/// A search query. Smart case: a query with a capital letter is case-sensitive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    needle: String,
    case_sensitive: bool,
}

impl Query {
    /// `None` for an empty query.
    pub fn new(text: &str) -> Option<Query> {
        if text.is_empty() {
            return None;
        }
        let case_sensitive = text.chars().any(char::is_uppercase);
        Some(Query {
            needle: if case_sensitive {
                text.to_owned()
            } else {
                text.to_lowercase()
            },
            case_sensitive,
        })
    }

    pub fn text(&self) -> &str {
        &self.needle
    }

    pub fn is_match(&self, line: &str) -> bool {
        if self.case_sensitive {
            line.contains(&self.needle)
        } else if line.is_ascii() && self.needle.is_ascii() {
            line.as_bytes()
                .windows(self.needle.len())
                .any(|w| w.eq_ignore_ascii_case(self.needle.as_bytes()))
        } else {
            line.to_lowercase().contains(&self.needle)
        }
    }

    /// Byte ranges of the matches in `line` (ASCII case folding keeps byte offsets exact;
    /// other lines are matched case-sensitively for highlighting).
    pub fn ranges(&self, line: &str) -> Vec<Range<usize>> {
        let n = self.needle.len();
        let mut out = Vec::new();
        if n == 0 || line.len() < n {
            return out;
        }
        let folded = !self.case_sensitive && line.is_ascii() && self.needle.is_ascii();
        let hay = line.as_bytes();
        let mut i = 0;
        while i + n <= hay.len() {
            let w = &hay[i..i + n];
            let hit = if folded {
                w.eq_ignore_ascii_case(self.needle.as_bytes())
            } else {
                w == self.needle.as_bytes()
            };
            if hit && line.is_char_boundary(i) && line.is_char_boundary(i + n) {
                out.push(i..i + n);
                i += n;
            } else {
                i += 1;
            }
        }
        out
    }
}

/// The lines of one source.
#[derive(Debug, Clone, Default)]
pub struct LogView {
    lines: VecDeque<String>,
    /// Absolute number of the oldest kept line.
    first: u64,
    /// Lines pushed out of the buffer.
    dropped: u64,
    query: Option<Query>,
    /// Absolute numbers of matching lines, oldest first.
    matches: VecDeque<u64>,
}

impl LogView {
    pub fn new() -> Self {
        Self::default()
    }

    /// Add one line, cutting it at [`MAX_LINE`] and dropping the oldest line when full.
    pub fn push(&mut self, mut line: String) {
        if line.len() > MAX_LINE {
            let mut cut = MAX_LINE;
            while !line.is_char_boundary(cut) {
                cut -= 1;
            }
            let rest = line.len() - cut;
            line.truncate(cut);
            line.push_str(" …[");
            line.push_str(&rest.to_string());
            line.push_str(" bytes cut]");
        }
        if self.lines.len() == LOG_CAP {
            self.lines.pop_front();
            self.first += 1;
            self.dropped += 1;
            while self.matches.front().is_some_and(|&m| m < self.first) {
                self.matches.pop_front();
            }
        }
        if self.query.as_ref().is_some_and(|q| q.is_match(&line)) {
            self.matches.push_back(self.end());
        }
        self.lines.push_back(line);
    }

    pub fn extend(&mut self, lines: impl IntoIterator<Item = String>) {
        for l in lines {
            self.push(l);
        }
    }

    /// Lines kept now.
    pub fn len(&self) -> usize {
        self.lines.len()
    }

    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    /// Absolute number of the oldest kept line.
    pub fn first(&self) -> u64 {
        self.first
    }

    /// One past the absolute number of the newest line.
    pub fn end(&self) -> u64 {
        self.first + self.lines.len() as u64
    }

    /// Lines pushed out of the buffer so far.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// The line with absolute number `n`, if still kept.
    pub fn get(&self, n: u64) -> Option<&str> {
        let i = usize::try_from(n.checked_sub(self.first)?).ok()?;
        self.lines.get(i).map(String::as_str)
    }

    /// Every kept line, oldest first (for saving).
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.lines.iter().map(String::as_str)
    }

    /// Set the search query and recompute the matches.
    pub fn set_query(&mut self, query: Option<&Query>) {
        self.query = query.cloned();
        self.matches.clear();
        if let Some(q) = &self.query {
            for (i, l) in self.lines.iter().enumerate() {
                if q.is_match(l) {
                    self.matches.push_back(self.first + i as u64);
                }
            }
        }
    }

    pub fn query(&self) -> Option<&Query> {
        self.query.as_ref()
    }

    /// Absolute numbers of the matching lines, oldest first.
    pub fn matches(&self) -> &VecDeque<u64> {
        &self.matches
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
        v.push("another error".into());
        assert_eq!(v.matches().len(), 3);
        v.set_query(Query::new("ERROR").as_ref());
        assert_eq!(v.matches().iter().copied().collect::<Vec<_>>(), [1]);
        v.extend((0..LOG_CAP).map(|_| "x".to_owned()));
        assert!(v.matches().is_empty(), "evicted matches go");
    }

    #[test]
    fn ranges_and_long_lines() {
        let q = Query::new("ab").expect("q");
        assert_eq!(q.ranges("xAbyab"), [1..3, 4..6]);
        assert!(Query::new("").is_none());
        let mut v = LogView::new();
        v.push("é".repeat(MAX_LINE));
        let l = v.get(0).expect("line");
        assert!(l.len() < MAX_LINE + 40 && l.ends_with("bytes cut]"));
    }
}
