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
    let ts = docker_ts(&frame[..sp]).or_else(|| {
        std::str::from_utf8(&frame[..sp])
            .ok()
            .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
            .map(|t| t.with_timezone(&Utc))
    });
    match ts {
        Some(t) => (Some(t), &frame[sp + 1..]),
        None => (None, frame),
    }
}

/// Docker's own timestamp form, `YYYY-MM-DDTHH:MM:SS[.fraction]Z`, read without a general
/// RFC 3339 parser (one per line under a storm); anything else is left to chrono.
fn docker_ts(s: &[u8]) -> Option<DateTime<Utc>> {
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        s.get(r)?.iter().try_fold(0u32, |n, &b| {
            b.is_ascii_digit().then(|| n * 10 + u32::from(b - b'0'))
        })
    };
    let (head, frac) = s.strip_suffix(b"Z")?.split_at_checked(19)?;
    if head[4] != b'-'
        || head[7] != b'-'
        || head[10] != b'T'
        || head[13] != b':'
        || head[16] != b':'
    {
        return None;
    }
    let nanos = match frac {
        [] => 0,
        [b'.', digits @ ..] if (1..=9).contains(&digits.len()) => {
            let n = digits.iter().try_fold(0u32, |n, &b| {
                b.is_ascii_digit().then(|| n * 10 + u32::from(b - b'0'))
            })?;
            n * 10u32.pow(u32::try_from(9 - digits.len()).unwrap_or(0))
        }
        _ => return None,
    };
    let date =
        chrono::NaiveDate::from_ymd_opt(i32::try_from(num(0..4)?).ok()?, num(5..7)?, num(8..10)?)?;
    let time = date.and_hms_nano_opt(num(11..13)?, num(14..16)?, num(17..19)?, nanos)?;
    Some(time.and_utc())
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
    fn docker_timestamps_read_like_rfc3339() {
        for t in [
            "2024-05-01T10:00:00.123456789Z",
            "2024-05-01T10:00:00.1Z",
            "2024-05-01T10:00:00Z",
            "2024-12-31T23:59:59.000000001Z",
        ] {
            let want = DateTime::parse_from_rfc3339(t).map(|t| t.with_timezone(&Utc));
            assert_eq!(docker_ts(t.as_bytes()), want.ok(), "{t}");
        }
        for bad in [
            "2024-05-01T10:00:00",
            "2024-13-01T10:00:00Z",
            "2024-05-01 10:00:00Z",
        ] {
            assert_eq!(docker_ts(bad.as_bytes()), None, "{bad}");
        }
        let (ts, body) = split_ts(b"2024-05-01T10:00:00+02:00 x");
        assert_eq!(body, b"x", "other offsets are read by chrono");
        assert!(ts.is_some());
    }

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
