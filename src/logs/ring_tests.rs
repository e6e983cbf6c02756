//! Pure tests of the ring: both bounds, the dropped count, truncation, UTF-8 replacement.

use super::mask::Masker;
use super::ring::{LogLine, MAX_LINE, Ring};

fn line(s: &str) -> LogLine {
    LogLine::plain(s)
}

#[test]
fn bounded_in_lines_with_absolute_numbers_and_dropped_count() {
    let mut r = Ring::new(100, usize::MAX);
    for i in 0..105 {
        r.push(line(&format!("line {i}")));
    }
    assert_eq!(r.len(), 100);
    assert_eq!(r.dropped(), 5);
    assert_eq!(r.first(), 5);
    assert_eq!(r.get(5).map(|l| l.text.as_str()), Some("line 5"));
    assert!(r.get(4).is_none() && r.get(r.end()).is_none());
}

#[test]
fn bounded_in_bytes() {
    let mut r = Ring::new(1_000_000, 100_000);
    let long = "x".repeat(1000);
    for _ in 0..1000 {
        r.push(line(&long));
        assert!(r.bytes() <= 100_000);
    }
    assert!(r.len() < 100 && r.len() > 80, "{}", r.len());
    assert_eq!(r.dropped() + r.len() as u64, 1000);
}

#[test]
fn default_bounds_hold_under_many_lines() {
    let mut r = Ring::default();
    let masker = Masker::default();
    for i in 0..30_000u32 {
        let raw = format!("{i} {}", "y".repeat((i % 2000) as usize));
        r.push(LogLine::from_raw(raw.as_bytes(), None, &masker));
        assert!(r.len() <= 10_000 && r.bytes() <= 8 * 1024 * 1024);
    }
    assert!(r.dropped() >= 20_000);
}

#[test]
fn long_lines_are_truncated_with_a_mark() {
    let raw = vec![b'a'; 200_000];
    let l = LogLine::from_raw(&raw, None, &Masker::default());
    assert!(l.text.starts_with(&"a".repeat(MAX_LINE)));
    let cut = 200_000 - MAX_LINE;
    assert!(
        l.text.ends_with(&format!("…[truncated {cut} bytes]")),
        "{}",
        &l.text[MAX_LINE..]
    );
    // A cut inside a multi-byte character backs off to its start.
    let raw = "é".repeat(MAX_LINE).into_bytes();
    let l = LogLine::from_raw(&raw, None, &Masker::default());
    assert!(!l.text.contains('\u{FFFD}'));
    assert!(l.text.contains("…[truncated"));
}

#[test]
fn invalid_utf8_becomes_replacement_characters() {
    let l = LogLine::from_raw(b"ok \xff\xfe end\n", None, &Masker::default());
    assert_eq!(l.text, "ok \u{FFFD}\u{FFFD} end");
}

#[test]
fn masking_and_colours_on_the_way_in() {
    let m = Masker::new(["hunter2-secret"]);
    let l = LogLine::from_raw(b"\x1b[31mpw hunter2-secret\x1b[0m", None, &m);
    assert_eq!(l.text, format!("pw {}", super::MASK));
    let l = LogLine::from_raw(b"\x1b[32mgreen\x1b[0m", None, &m);
    assert_eq!(l.text, "green");
    assert_eq!(l.runs.len(), 1);
}
