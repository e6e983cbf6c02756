//! Merged log sources `SERVICE/*` (pure): every container's lines of a service, each prefixed
//! with the part of the container's name that tells it from its siblings, held for a
//! [`REORDER_MS`] window and released in Docker's timestamp order. They are copies of the
//! batches the per-container sources get: no stream is opened for them.

use chrono::{DateTime, Duration, Utc};

use crate::logs::LogLine;
use crate::logs::ansi::Run;

/// How long a line waits for older lines from the service's other containers.
pub const REORDER_MS: i64 = 250;

/// Between the prefix and the line.
pub const SEPARATOR: &str = " │ ";

/// The label of the merged source of `service`.
pub fn label(service: &str) -> String {
    format!("{service}/*")
}

/// The prefix of a merged line (up to [`SEPARATOR`]), trimmed: the container's short name.
pub fn prefix_of(text: &str) -> Option<&str> {
    text.split_once(SEPARATOR).map(|(p, _)| p.trim_end())
}

#[derive(Debug, Clone)]
struct Held {
    ts: DateTime<Utc>,
    arrived: DateTime<Utc>,
    seq: u64,
    line: LogLine,
}

/// The lines of one service waiting out the reorder window.
#[derive(Debug, Clone, Default)]
pub struct Merge {
    held: Vec<Held>,
    seq: u64,
    /// The widest prefix so far (prefixes are padded to it so the lines stay aligned).
    width: usize,
}

impl Merge {
    /// Hold a batch from one container, arrived at `now`, prefixed with `prefix`.
    pub fn add(&mut self, prefix: &str, lines: &[LogLine], now: DateTime<Utc>) {
        self.width = self.width.max(crate::ui::text::width(prefix));
        let pad = self.width.saturating_sub(crate::ui::text::width(prefix));
        let head = format!("{prefix}{}{SEPARATOR}", " ".repeat(pad));
        let shift = u32::try_from(head.len()).unwrap_or(u32::MAX);
        for l in lines {
            let mut line = l.clone();
            line.text.insert_str(0, &head);
            for r in &mut line.runs {
                *r = Run {
                    start: r.start.saturating_add(shift),
                    end: r.end.saturating_add(shift),
                    style: r.style,
                };
            }
            self.seq += 1;
            self.held.push(Held {
                ts: l.ts.unwrap_or(now),
                arrived: now,
                seq: self.seq,
                line,
            });
        }
    }

    /// The lines due at `now`, oldest first: every line held for the whole window, and with
    /// them every held line with an older (or equal) timestamp.
    pub fn release(&mut self, now: DateTime<Utc>) -> Vec<LogLine> {
        let due = now - Duration::milliseconds(REORDER_MS);
        let Some(upto) = self
            .held
            .iter()
            .filter(|h| h.arrived <= due)
            .map(|h| h.ts)
            .max()
        else {
            return Vec::new();
        };
        let (mut out, keep): (Vec<Held>, Vec<Held>) =
            self.held.drain(..).partition(|h| h.ts <= upto);
        self.held = keep;
        out.sort_by_key(|h| (h.ts, h.seq));
        out.into_iter().map(|h| h.line).collect()
    }

    /// When the oldest held line is due, if any is held.
    pub fn deadline(&self) -> Option<DateTime<Utc>> {
        self.held
            .iter()
            .map(|h| h.arrived)
            .min()
            .map(|a| a + Duration::milliseconds(REORDER_MS))
    }

    pub fn is_empty(&self) -> bool {
        self.held.is_empty()
    }
}

/// The palette slot of a prefix: a stable hash of its text (FNV-1a), modulo `n`.
pub fn palette_index(prefix: &str, n: usize) -> usize {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in prefix.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    usize::try_from(h % (n.max(1) as u64)).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn at(ms: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 1, 2, 10, 0, 0).unwrap() + Duration::milliseconds(ms)
    }

    fn line(text: &str, ts: i64) -> LogLine {
        LogLine {
            ts: Some(at(ts)),
            ..LogLine::plain(text)
        }
    }

    fn texts(v: &[LogLine]) -> Vec<&str> {
        v.iter().map(|l| l.text.as_str()).collect()
    }

    #[test]
    fn lines_are_interleaved_by_timestamp_within_the_window() {
        let mut m = Merge::default();
        m.add("a01", &[line("a first", 0), line("a third", 200)], at(210));
        assert!(m.release(at(300)).is_empty(), "still within the window");
        m.add(
            "a02",
            &[line("b second", 100), line("b late", 900)],
            at(400),
        );
        assert_eq!(m.deadline(), Some(at(460)));
        let out = m.release(at(460));
        assert_eq!(
            texts(&out),
            ["a01 │ a first", "a02 │ b second", "a01 │ a third"],
            "the later batch's older line goes in between"
        );
        assert_eq!(m.deadline(), Some(at(650)), "b late waits its own window");
        assert!(m.release(at(649)).is_empty());
        assert_eq!(texts(&m.release(at(650))), ["a02 │ b late"]);
        assert!(m.is_empty() && m.deadline().is_none());
    }

    #[test]
    fn prefixes_align_and_colours_move_with_the_text() {
        let mut m = Merge::default();
        m.add("web-canary", &[line("x", 0)], at(0));
        let mut coloured = line("red", 1);
        coloured.runs = vec![Run {
            start: 0,
            end: 3,
            style: crate::logs::ansi::AnsiStyle::default(),
        }];
        m.add("a01", &[coloured], at(0));
        let out = m.release(at(REORDER_MS));
        assert_eq!(texts(&out), ["web-canary │ x", "a01        │ red"]);
        let r = &out[1].runs[0];
        assert_eq!(&out[1].text[r.start as usize..r.end as usize], "red");
        assert_eq!(prefix_of(&out[1].text), Some("a01"));
        assert_eq!(label("web"), "web/*");
    }

    #[test]
    fn lines_without_a_timestamp_take_their_arrival_and_the_hash_is_stable() {
        let mut m = Merge::default();
        m.add("a01", &[LogLine::plain("no ts")], at(100));
        m.add("a02", &[line("older", 50)], at(120));
        assert_eq!(texts(&m.release(at(350))), ["a02 │ older", "a01 │ no ts"]);
        assert_eq!(palette_index("a01", 6), palette_index("a01", 6));
        assert!(palette_index("a02", 6) < 6);
        let slots: std::collections::BTreeSet<usize> = (1..=20)
            .map(|i| palette_index(&format!("a{i:02}"), 6))
            .collect();
        assert!(slots.len() > 3, "names spread over the palette: {slots:?}");
    }
}
