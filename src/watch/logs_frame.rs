//! Reassembling a container's log frames into lines: each frame starts with Docker's RFC 3339
//! timestamp (`timestamps: true`); a frame without a trailing newline is a partial message
//! (Docker splits long lines at 16 KiB) and is joined with the next ones, keeping at most
//! [`MAX_LINE`] bytes and counting the rest as cut, so a huge line never stalls or grows.

use chrono::{DateTime, Utc};

use crate::logs::ring::MAX_LINE;

/// One whole line: its bytes (at most a little over [`MAX_LINE`]), bytes cut, its time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawLine {
    pub bytes: Vec<u8>,
    pub cut: usize,
    pub ts: Option<DateTime<Utc>>,
}

/// Joins partial frames.
#[derive(Debug, Default)]
pub struct Assembler {
    pending: Option<RawLine>,
}

/// Split Docker's timestamp prefix off a frame.
pub fn split_ts(frame: &[u8]) -> (Option<DateTime<Utc>>, &[u8]) {
    let Some(sp) = frame.iter().take(40).position(|&b| b == b' ') else {
        return (None, frame);
    };
    let ts = std::str::from_utf8(&frame[..sp])
        .ok()
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        .map(|t| t.with_timezone(&Utc));
    match ts {
        Some(t) => (Some(t), &frame[sp + 1..]),
        None => (None, frame),
    }
}

impl Assembler {
    /// Feed one frame; whole lines come out.
    pub fn frame(&mut self, frame: &[u8], out: &mut Vec<RawLine>) {
        let (ts, body) = split_ts(frame);
        let mut parts = body.split(|&b| b == b'\n').peekable();
        while let Some(part) = parts.next() {
            let last = parts.peek().is_none();
            if last && part.is_empty() {
                break;
            }
            let line = self.pending.get_or_insert_with(|| RawLine {
                bytes: Vec::new(),
                cut: 0,
                ts,
            });
            let room = (MAX_LINE + 4).saturating_sub(line.bytes.len());
            let take = part.len().min(room);
            line.bytes.extend_from_slice(&part[..take]);
            line.cut += part.len() - take;
            if !last {
                out.extend(self.pending.take());
            }
        }
    }

    /// The partial line left when the stream ends.
    pub fn finish(&mut self, out: &mut Vec<RawLine>) {
        out.extend(self.pending.take());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_and_partial_frames() {
        let mut a = Assembler::default();
        let mut out = Vec::new();
        a.frame(b"2024-05-01T10:00:00.123456789Z hello\n", &mut out);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].bytes, b"hello");
        assert!(out[0].ts.is_some());
        a.frame(b"2024-05-01T10:00:01Z abc", &mut out);
        a.frame(b"2024-05-01T10:00:01Z def\n", &mut out);
        assert_eq!(out[1].bytes, b"abcdef");
        let big = vec![b'x'; 100_000];
        for _ in 0..3 {
            let mut f = b"2024-05-01T10:00:02Z ".to_vec();
            f.extend_from_slice(&big);
            a.frame(&f, &mut out);
        }
        a.frame(b"2024-05-01T10:00:02Z \n", &mut out);
        assert_eq!(out[2].bytes.len() + out[2].cut, 300_000);
        assert!(out[2].bytes.len() <= MAX_LINE + 4);
    }
}
