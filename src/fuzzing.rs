//! The bodies of the fuzz targets (`fuzz/fuzz_targets/*.rs`), here so that the fuzzer and the
//! normal suite (`tests/it/fuzz.rs`, every seed and regression) run exactly the same calls.
//! Each must not panic on any input; the log, ANSI and duration ones also check an invariant.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};

use crate::journal::{Hasher, read, verify};
use crate::logs::Masker;
use crate::logs::ring::LogLine;
use crate::release::trigger::{Measurement, Spec, Trigger, Verdict};
use crate::runbook::duration::{self, instant_after, saturating_add};
use crate::runbook::{Condition, Context, Dur, Tpl, load_str, render_duration};
use crate::watch::logs_frame::{Assembler, split_ts};

/// Any text to the runbook loader and checker.
pub fn runbook_load(data: &[u8]) {
    if let Ok(src) = std::str::from_utf8(data) {
        let _ = load_str(src, Path::new("fuzz.toml"));
    }
}

/// Any bytes as a journal file, read and verified.
pub fn journal_read_verify(data: &[u8]) {
    static N: AtomicU64 = AtomicU64::new(0);
    let dir = std::env::temp_dir().join(format!(
        "flightdeck-fuzz-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    if std::fs::create_dir_all(&dir).is_err() {
        return;
    }
    let path = dir.join("app-1-20261125T060000Z.jsonl");
    if std::fs::write(&path, data).is_ok() {
        let _ = read(&path);
        let _ = verify(&path, &Hasher::plain());
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// The first line as a condition, the rest as its JSON `result` (a string when not JSON).
pub fn condition_eval(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (cond, value) = text.split_once('\n').unwrap_or((text, "0"));
    let Ok(c) = Condition::compile(cond) else {
        return;
    };
    let value =
        serde_json::from_str(value).unwrap_or_else(|_| serde_json::Value::String(value.to_owned()));
    let _ = c.eval(&value);
}

/// Bytes cut into Docker payload chunks (each first byte is the next chunk's length),
/// reassembled into lines, split off their timestamps and built into ring lines; a secret never
/// survives the masking.
pub fn log_frames(data: &[u8]) {
    let masker = Masker::new(["s3cr3t-value"]);
    let mut asm = Assembler::default();
    let mut out = Vec::new();
    let mut rest = data;
    while let Some((&n, tail)) = rest.split_first() {
        let n = usize::from(n).min(tail.len());
        let (chunk, next) = tail.split_at(n);
        let (_, body) = split_ts(chunk);
        asm.frame(body, &mut out);
        rest = next;
    }
    asm.finish(&mut out);
    for raw in out {
        let line = LogLine::from_parts(&raw.bytes, raw.cut, raw.ts, &masker);
        assert!(
            !line.text.contains("s3cr3t-value"),
            "a secret survived: {}",
            line.text
        );
    }
}

/// Any text to the ANSI parser; every style run lies inside the text.
pub fn ansi_parse(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let (plain, runs) = crate::logs::ansi::parse(&text);
    for r in runs {
        assert!(
            r.start <= r.end && r.end as usize <= plain.len(),
            "a run outside the text"
        );
    }
}

/// Lines of text driving the duration parser and a rollback trigger:
/// 1–3. `interval`, `initial_delay` and `for` (empty: none), each through
///    [`duration::parse`] and a templated [`render_duration`], which must agree and stay within
///    [`duration::MAX`]; a refused one is still given to the trigger (as humantime read it, or
///    as a bare number of seconds), so it also sees durations far past the bound;
/// 4. `failure_limit consecutive_error_limit dry_run start` (start: a Unix time in seconds);
/// 5… one measurement each: `P`, `F` or `E` (`R`: continue after inconclusive), then seconds
///    from the start (any `i64`).
///
/// Due times never fall before what they follow, whatever the durations and times.
pub fn duration_trigger(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let mut lines = text.lines();
    let interval = any_duration(lines.next().unwrap_or_default());
    let initial_delay = any_duration(lines.next().unwrap_or_default());
    let for_line = lines.next().unwrap_or_default();
    let for_ = (!for_line.trim().is_empty()).then(|| any_duration(for_line));
    let mut words = lines.next().unwrap_or_default().split_whitespace();
    let mut number = |default: u32| words.next().and_then(|w| w.parse().ok()).unwrap_or(default);
    let (failure_limit, consecutive_error_limit, dry_run) = (number(0), number(4), number(0) == 1);
    let start = words
        .next()
        .and_then(|w| w.parse::<i64>().ok())
        .unwrap_or(0);
    let started = DateTime::from_timestamp(start, 0).unwrap_or(if start < 0 {
        DateTime::<Utc>::MIN_UTC
    } else {
        DateTime::<Utc>::MAX_UTC
    });
    let spec = Spec {
        interval,
        initial_delay,
        for_,
        failure_limit,
        consecutive_error_limit,
        dry_run,
    };
    let mut t = Trigger::new("fuzz", spec, started);
    assert!(after(started, initial_delay, t.first_due()), "first_due");
    for line in lines {
        let mut chars = line.chars();
        let verdict = match chars.next() {
            Some('P') => Verdict::Pass,
            Some('F') => Verdict::Fail,
            Some('R') => {
                t.resume_after_inconclusive();
                continue;
            }
            _ => Verdict::Error,
        };
        let offset = chars.as_str().trim().parse::<i64>().unwrap_or(0);
        let at = TimeDelta::try_seconds(offset)
            .and_then(|d| started.checked_add_signed(d))
            .unwrap_or(if offset < 0 {
                DateTime::<Utc>::MIN_UTC
            } else {
                DateTime::<Utc>::MAX_UTC
            });
        let _ = t.observe(Measurement {
            at,
            verdict,
            value: i32::try_from(offset).ok().map(f64::from),
            message: line.to_owned(),
        });
        assert!(after(at, interval, t.next_due()), "next_due");
        let _ = (t.is_settled(), t.sparkline(20), t.measurements_json());
    }
}

/// `due` is `d` after `at`: never before it, and later unless `d` is zero or `at` is the end.
fn after(at: DateTime<Utc>, d: Duration, due: DateTime<Utc>) -> bool {
    due >= at && (d.is_zero() || at == DateTime::<Utc>::MAX_UTC || due > at)
}

/// One line as a duration, checking the parser's bound and the templated path on the way.
fn any_duration(line: &str) -> Duration {
    let parsed = duration::parse(line);
    let mut ctx = Context::default();
    ctx.vars.insert("d".into(), line.to_owned());
    let rendered = render_duration(&Dur::Template(Tpl::new("{{ vars.d }}", 0..0)), &ctx);
    assert_eq!(
        parsed.as_ref().ok(),
        rendered.as_ref().ok(),
        "parse and render"
    );
    let now = tokio::time::Instant::now();
    if let Ok(d) = parsed {
        assert!(d <= duration::MAX, "over the bound: {d:?}");
        assert!(instant_after(now, d) >= now);
        return d;
    }
    let raw = humantime::parse_duration(line.trim())
        .ok()
        .or_else(|| line.trim().parse().ok().map(Duration::from_secs))
        .unwrap_or_default();
    if let Ok(d) = humantime::parse_duration(line.trim()) {
        assert!(d > duration::MAX, "refused within the bound: {d:?}");
    }
    assert!(instant_after(now, raw) >= now);
    assert!(saturating_add(DateTime::<Utc>::MIN_UTC, raw) >= DateTime::<Utc>::MIN_UTC);
    raw
}
