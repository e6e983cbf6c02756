//! The log ring (pure): one source's lines, bounded in lines AND bytes, with absolute line
//! numbers and a count of the lines dropped to stay within the bounds. [`LogLine::from_raw`]
//! is the way in: invalid UTF-8 becomes U+FFFD, lines over [`MAX_LINE`] are truncated with a
//! mark, ANSI colours become style runs, and secrets are masked before anything is kept.

use std::collections::VecDeque;
use std::fmt::Write as _;

use chrono::{DateTime, Utc};

use super::ansi::{self, Run};
use super::mask::Masker;

/// Lines kept per source by default.
pub const DEFAULT_LINES: usize = 10_000;
/// Bytes kept per source by default.
pub const DEFAULT_BYTES: usize = 8 * 1024 * 1024;
/// Longer lines are truncated, with a mark saying how much was cut.
pub const MAX_LINE: usize = 64 * 1024;
/// What a line costs beyond its text (the struct, the deque slot).
const LINE_OVERHEAD: usize = 64;

/// What kind of line it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LineKind {
    #[default]
    Output,
    /// Written by flightdeck: `… about N lines skipped …`, attempts, reconnects.
    Marker,
}

/// One kept line: plain text (escapes removed, secrets masked), its colours, its time.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LogLine {
    pub text: String,
    pub runs: Vec<Run>,
    pub ts: Option<DateTime<Utc>>,
    pub kind: LineKind,
}

impl LogLine {
    /// A plain line (already masked).
    pub fn plain(text: impl Into<String>) -> LogLine {
        LogLine {
            text: text.into(),
            ..LogLine::default()
        }
    }

    /// A marker line written by flightdeck.
    pub fn marker(text: impl Into<String>, ts: Option<DateTime<Utc>>) -> LogLine {
        LogLine {
            text: text.into(),
            runs: Vec::new(),
            ts,
            kind: LineKind::Marker,
        }
    }

    /// A line from raw bytes: truncated at [`MAX_LINE`], decoded lossily, ANSI parsed, masked.
    pub fn from_raw(raw: &[u8], ts: Option<DateTime<Utc>>, masker: &Masker) -> LogLine {
        LogLine::from_parts(raw, 0, ts, masker)
    }

    /// [`LogLine::from_raw`] for a line of which `already_cut` bytes were never kept (a
    /// reader that stops buffering a long line at [`MAX_LINE`]).
    pub fn from_parts(
        raw: &[u8],
        already_cut: usize,
        ts: Option<DateTime<Utc>>,
        masker: &Masker,
    ) -> LogLine {
        let raw = raw.strip_suffix(b"\n").unwrap_or(raw);
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        let end = cut_point(raw);
        let cut = already_cut + (raw.len() - end);
        LogLine::from_bytes(raw[..end].to_vec(), cut, ts, masker)
    }

    /// [`LogLine::from_parts`] for bytes the caller owns: the stored text reuses their
    /// allocation when they are valid UTF-8 without escapes or secrets (the common line costs
    /// no allocation beyond its own bytes, and no parsing beyond one scan for ESC).
    pub fn from_bytes(
        mut raw: Vec<u8>,
        already_cut: usize,
        ts: Option<DateTime<Utc>>,
        masker: &Masker,
    ) -> LogLine {
        if raw.last() == Some(&b'\n') {
            raw.pop();
        }
        if raw.last() == Some(&b'\r') {
            raw.pop();
        }
        let end = cut_point(&raw);
        let cut = raw.len() - end + already_cut;
        raw.truncate(end);
        let mut text = match String::from_utf8(raw) {
            Ok(t) => t,
            Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
        };
        let mut runs = Vec::new();
        if text.as_bytes().contains(&0x1b) {
            (text, runs) = ansi::parse(&text);
        }
        if let std::borrow::Cow::Owned(m) = masker.mask(&text) {
            // Offsets moved: the masked line loses its colours rather than its mask.
            text = m;
            runs.clear();
        }
        if cut > 0 {
            let _ = write!(text, "…[truncated {cut} bytes]");
        }
        LogLine {
            text,
            runs,
            ts,
            kind: LineKind::Output,
        }
    }

    /// What the line counts against the byte bound.
    pub fn cost(&self) -> usize {
        self.text.len() + self.runs.len() * std::mem::size_of::<Run>() + LINE_OVERHEAD
    }
}

/// Where a line over [`MAX_LINE`] is cut: at most [`MAX_LINE`] bytes, backed off to a
/// character start so the cut itself is not a replacement char.
fn cut_point(raw: &[u8]) -> usize {
    if raw.len() <= MAX_LINE {
        return raw.len();
    }
    let mut end = MAX_LINE;
    while end > MAX_LINE - 4 && raw[end] & 0xC0 == 0x80 {
        end -= 1;
    }
    end
}

/// A bounded ring of lines.
#[derive(Debug, Clone)]
pub struct Ring {
    lines: VecDeque<LogLine>,
    max_lines: usize,
    max_bytes: usize,
    bytes: usize,
    /// Absolute number of the oldest kept line.
    first: u64,
    dropped: u64,
}

impl Default for Ring {
    fn default() -> Self {
        Ring::new(DEFAULT_LINES, DEFAULT_BYTES)
    }
}

impl Ring {
    pub fn new(max_lines: usize, max_bytes: usize) -> Ring {
        Ring {
            lines: VecDeque::new(),
            max_lines: max_lines.max(1),
            max_bytes,
            bytes: 0,
            first: 0,
            dropped: 0,
        }
    }

    /// Add a line, dropping the oldest ones to stay within both bounds. Returns how many
    /// lines were dropped.
    pub fn push(&mut self, line: LogLine) -> usize {
        let cost = line.cost();
        let mut evicted = 0;
        while !self.lines.is_empty()
            && (self.lines.len() >= self.max_lines || self.bytes + cost > self.max_bytes)
        {
            if let Some(old) = self.lines.pop_front() {
                self.bytes -= old.cost();
            }
            self.first += 1;
            self.dropped += 1;
            evicted += 1;
        }
        self.bytes += cost;
        self.lines.push_back(line);
        evicted
    }

    pub fn len(&self) -> usize {
        self.lines.len()
    }

    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    /// Bytes counted against the bound now.
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    pub fn max_lines(&self) -> usize {
        self.max_lines
    }

    pub fn max_bytes(&self) -> usize {
        self.max_bytes
    }

    /// Absolute number of the oldest kept line.
    pub fn first(&self) -> u64 {
        self.first
    }

    /// One past the absolute number of the newest line.
    pub fn end(&self) -> u64 {
        self.first + self.lines.len() as u64
    }

    /// Lines dropped to stay within the bounds.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// The line with absolute number `n`, if still kept.
    pub fn get(&self, n: u64) -> Option<&LogLine> {
        let i = usize::try_from(n.checked_sub(self.first)?).ok()?;
        self.lines.get(i)
    }

    /// Every kept line, oldest first.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &LogLine> {
        self.lines.iter()
    }
}
