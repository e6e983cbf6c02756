//! The bodies of the fuzz targets (`fuzz/fuzz_targets/*.rs`), here so that the fuzzer and the
//! normal suite (`tests/it/fuzz.rs`, every seed and regression) run exactly the same calls.
//! Each must not panic on any input; the log and ANSI ones also check an invariant.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::journal::{Hasher, read, verify};
use crate::logs::Masker;
use crate::logs::ring::LogLine;
use crate::runbook::{Condition, load_str};
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
