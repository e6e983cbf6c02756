//! Pure batching of step output lines into `output` records (≤ 64 KiB or 100 ms each).
//!
//! Keep one [`OutputBatcher`] per (step, stream); it does no I/O and reads no clock.

use std::time::{Duration, Instant};

/// A batch is emitted once it holds this many bytes (lines plus their newlines).
pub const MAX_BATCH_BYTES: usize = 64 * 1024;
/// A batch is due this long after its first line.
pub const MAX_BATCH_AGE: Duration = Duration::from_millis(100);

/// Accumulates the lines of one (step, stream).
#[derive(Debug, Clone, Default)]
pub struct OutputBatcher {
    lines: Vec<String>,
    bytes: usize,
    first: Option<Instant>,
}

impl OutputBatcher {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a line. Returns a batch to write when one is complete: the pending batch if this
    /// line would push it past 64 KiB or it was already due, or the batch including this line
    /// if it has just reached 64 KiB.
    pub fn push(&mut self, line: String, now: Instant) -> Option<Vec<String>> {
        let size = line.len() + 1;
        let flushed =
            if !self.lines.is_empty() && (self.bytes + size > MAX_BATCH_BYTES || self.due(now)) {
                Some(self.take())
            } else {
                None
            };
        if self.lines.is_empty() {
            self.first = Some(now);
        }
        self.lines.push(line);
        self.bytes += size;
        if flushed.is_none() && self.bytes >= MAX_BATCH_BYTES {
            return Some(self.take());
        }
        flushed
    }

    /// Whether the pending batch has waited its 100 ms.
    pub fn due(&self, now: Instant) -> bool {
        self.deadline().is_some_and(|d| now >= d)
    }

    /// Removes and returns the pending lines (empty when none).
    pub fn take(&mut self) -> Vec<String> {
        self.bytes = 0;
        self.first = None;
        std::mem::take(&mut self.lines)
    }

    /// When the pending batch becomes due; `None` when nothing is pending.
    pub fn deadline(&self) -> Option<Instant> {
        self.first.map(|t| t + MAX_BATCH_AGE)
    }

    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    /// Bytes pending, counting one newline per line.
    pub fn pending_bytes(&self) -> usize {
        self.bytes
    }
}

/// The `data` of an `output` record: `{"stream": …, "lines": […]}`.
pub fn output_data(stream: &str, lines: &[String]) -> serde_json::Value {
    serde_json::json!({ "stream": stream, "lines": lines })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn line(n: usize) -> String {
        "x".repeat(n - 1) // n bytes with its newline
    }

    #[test]
    fn small_lines_wait_for_the_deadline() {
        let t0 = Instant::now();
        let mut b = OutputBatcher::new();
        assert_eq!(b.deadline(), None);
        assert!(b.push("a".into(), t0).is_none());
        assert!(b.push("b".into(), t0 + Duration::from_millis(50)).is_none());
        assert_eq!(b.deadline(), Some(t0 + MAX_BATCH_AGE));
        assert!(!b.due(t0 + Duration::from_millis(99)));
        assert!(b.due(t0 + Duration::from_millis(100)));
        assert_eq!(b.take(), vec!["a", "b"]);
        assert!(b.is_empty() && b.deadline().is_none() && !b.due(t0 + MAX_BATCH_AGE));
    }

    #[test]
    fn reaching_64_kib_emits_the_batch() {
        let t0 = Instant::now();
        let mut b = OutputBatcher::new();
        assert!(b.push(line(MAX_BATCH_BYTES - 10), t0).is_none());
        let batch = b.push(line(10), t0).unwrap();
        assert_eq!(batch.len(), 2);
        assert!(b.is_empty() && b.pending_bytes() == 0);
    }

    #[test]
    fn a_line_that_would_overflow_starts_the_next_batch() {
        let t0 = Instant::now();
        let mut b = OutputBatcher::new();
        assert!(b.push(line(MAX_BATCH_BYTES - 10), t0).is_none());
        let t1 = t0 + Duration::from_millis(5);
        let batch = b.push(line(20), t1).unwrap();
        assert_eq!(batch.len(), 1);
        assert_eq!(b.pending_bytes(), 20);
        assert_eq!(b.deadline(), Some(t1 + MAX_BATCH_AGE));
        let total: usize = batch.iter().map(|l| l.len() + 1).sum();
        assert!(total <= MAX_BATCH_BYTES);
    }

    #[test]
    fn an_overdue_batch_is_emitted_by_the_next_push() {
        let t0 = Instant::now();
        let mut b = OutputBatcher::new();
        assert!(b.push("old".into(), t0).is_none());
        let t1 = t0 + Duration::from_millis(150);
        assert_eq!(b.push("new".into(), t1).unwrap(), vec!["old"]);
        assert_eq!(b.deadline(), Some(t1 + MAX_BATCH_AGE));
        assert_eq!(b.take(), vec!["new"]);
    }

    #[test]
    fn one_huge_line_is_its_own_batch() {
        let t0 = Instant::now();
        let mut b = OutputBatcher::new();
        assert_eq!(b.push(line(MAX_BATCH_BYTES + 5), t0).unwrap().len(), 1);
        assert!(b.is_empty());
    }

    #[test]
    fn output_data_shape() {
        let v = output_data("stderr", &["a".to_owned()]);
        assert_eq!(v, serde_json::json!({"stream": "stderr", "lines": ["a"]}));
    }
}
