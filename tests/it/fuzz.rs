//! The fuzz targets' inputs in the normal suite: every committed seed (`fuzz/corpus/<target>/
//! seed*`) and every crash turned regression (`fuzz/regressions/<target>/*`) goes through
//! `flightdeck::fuzzing`, the very functions `fuzz/fuzz_targets/*.rs` call; none may panic.

use std::path::{Path, PathBuf};

use flightdeck::fuzzing::{
    ansi_parse, condition_eval, duration_trigger, journal_read_verify, log_frames, runbook_load,
};
use flightdeck::runbook::load_str;

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
fn duration_trigger_seeds_and_regressions() {
    run_all("duration_trigger", duration_trigger);
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
