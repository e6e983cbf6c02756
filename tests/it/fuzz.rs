//! The fuzz targets' inputs in the normal suite: every committed seed (`fuzz/corpus/<target>/
//! seed*`) and every crash turned regression (`fuzz/regressions/<target>/*`) goes through the
//! same calls as `fuzz/fuzz_targets/*.rs`, which must not panic.

use std::path::{Path, PathBuf};

use flightdeck::journal::{Hasher, read, verify};
use flightdeck::runbook::{Condition, load_str};

/// The seed and regression inputs of `target`.
fn inputs(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut out = Vec::new();
    for (dir, seeds_only) in [
        (root.join("corpus").join(target), true),
        (root.join("regressions").join(target), false),
    ] {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if seeds_only && !name.starts_with("seed") {
                continue;
            }
            let bytes = std::fs::read(e.path()).expect("readable input");
            out.push((e.path(), bytes));
        }
    }
    out.sort();
    out
}

/// `fuzz_targets/runbook_load.rs`.
pub fn runbook_load(data: &[u8]) {
    if let Ok(src) = std::str::from_utf8(data) {
        let _ = load_str(src, Path::new("fuzz.toml"));
    }
}

/// `fuzz_targets/journal_read_verify.rs`.
pub fn journal_read_verify(data: &[u8]) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("app-1-20261125T060000Z.jsonl");
    std::fs::write(&path, data).expect("write");
    let _ = read(&path);
    let _ = verify(&path, &Hasher::plain());
}

/// `fuzz_targets/condition_eval.rs`.
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

/// `fuzz_targets/log_frames.rs`.
pub fn log_frames(data: &[u8]) {
    use flightdeck::logs::Masker;
    use flightdeck::logs::ring::LogLine;
    use flightdeck::watch::logs_frame::{Assembler, split_ts};
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

/// `fuzz_targets/ansi_parse.rs`.
pub fn ansi_parse(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let (plain, runs) = flightdeck::logs::ansi::parse(&text);
    for r in runs {
        assert!(
            r.start <= r.end && r.end as usize <= plain.len(),
            "a run outside the text"
        );
    }
}

fn run_all(target: &str, f: fn(&[u8])) {
    let all = inputs(target);
    assert!(!all.is_empty(), "no seeds for {target}");
    for (path, bytes) in all {
        eprintln!("{target}: {}", path.display());
        f(&bytes);
    }
}

#[test]
fn runbook_load_seeds_and_regressions() {
    run_all("runbook_load", runbook_load);
}

#[test]
fn journal_read_verify_seeds_and_regressions() {
    run_all("journal_read_verify", journal_read_verify);
}

#[test]
fn log_frames_seeds_and_regressions() {
    run_all("log_frames", log_frames);
}

#[test]
fn ansi_parse_seeds_and_regressions() {
    run_all("ansi_parse", ansi_parse);
}

#[test]
fn condition_eval_seeds_and_regressions() {
    run_all("condition_eval", condition_eval);
}

#[test]
fn a_condition_with_closing_braces_is_a_diagnostic_not_a_panic() {
    let src = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fuzz/regressions/runbook_load/closing-braces-in-a-condition.toml"),
    )
    .expect("the regression input");
    let Err(failure) = load_str(&src, Path::new("flightdeck.toml")) else {
        panic!("a condition with `}}}}` must not load");
    };
    let text = format!("{failure:?}");
    assert!(text.contains("unexpected `}}`"), "{text}");
}
