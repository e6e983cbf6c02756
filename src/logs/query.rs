//! A search or filter query over log lines: smart case (a capital letter makes it
//! case-sensitive), with the byte ranges of its matches for highlighting.

use std::ops::Range;

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
