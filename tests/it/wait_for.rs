//! `wait_for` end to end, headless (issue 24): a step that waits for a background watch runs
//! only after the watch's `step-finished` record, and never when the watch trips (the release
//! rolls back). The real binary on a runbook in a temp dir; the journal read back.

use std::time::{Duration, Instant};

use chrono::DateTime;
use flightdeck::release::{ReleaseOutcome, ReleasePhase};

use crate::run::{Dir, out};

/// soak: a 3 s background watch of a command gate (`gate` is its command) · tag: a run step
/// that waits for soak and writes the time it ran (ms since the epoch) to `tagged_at`.
fn runbook(gate: &str) -> String {
    format!(
        r#"
[release]
name = "app"
environment = "staging"
version = "2.0.0"

[[gates]]
id = "alive"
kind = "command"
run = "{gate}"
interval = "300ms"

[[steps]]
id = "deploy"
kind = "run"
run = "echo v2 > version.txt"

[[steps]]
id = "soak"
kind = "watch"
duration = "3s"
triggers = ["alive"]
background = true

[[steps]]
id = "tag"
kind = "run"
run = "date +%s%3N > tagged_at"
wait_for = ["soak"]

[[rollback.steps]]
kind = "run"
run = "echo v1 > version.txt"
"#
    )
}

type Records = Vec<flightdeck::journal::Record>;

fn find<'a>(
    records: &'a Records,
    kind: &str,
    step: &str,
) -> Option<(usize, &'a flightdeck::journal::Record)> {
    records
        .iter()
        .enumerate()
        .find(|(_, r)| r.kind.as_str() == kind && r.step.as_deref() == Some(step))
}

fn ms(ts: &str) -> i64 {
    DateTime::parse_from_rfc3339(ts)
        .unwrap_or_else(|e| panic!("{ts}: {e}"))
        .timestamp_millis()
}

#[test]
fn the_step_runs_after_the_background_watch_has_ended() {
    let d = Dir::new("");
    d.write("flightdeck.toml", &runbook("true"));
    let started = Instant::now();
    let o = d
        .cmd(&["run", "--plain"])
        .env("RUST_BACKTRACE", "0")
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    assert!(
        started.elapsed() >= Duration::from_secs(3),
        "waited for the watch"
    );
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        stdout.contains("tag waits for background watch soak: "),
        "the held line: {}",
        out(&o)
    );
    assert!(
        stdout.contains("step tag no longer waits: background watch soak has ended"),
        "the released line: {}",
        out(&o)
    );
    let (records, st) = d.latest();
    assert_eq!(st.phase, ReleasePhase::Finished(ReleaseOutcome::Completed));
    let (soak_i, soak) = find(&records, "step-finished", "soak").expect("soak finished");
    assert_eq!(soak.data["outcome"], "succeeded");
    let (tag_i, _) = find(&records, "step-started", "tag").expect("tag started");
    assert!(
        soak_i < tag_i,
        "tag started after soak finished (journal order)"
    );
    let tagged: i64 = std::fs::read_to_string(d.path().join("tagged_at"))
        .expect("tag ran")
        .trim()
        .parse()
        .expect("ms since the epoch");
    let soak_done = ms(&soak.ts);
    assert!(
        tagged >= soak_done,
        "tag ran at {tagged}, before soak's step-finished at {soak_done} ({})",
        soak.ts
    );
    let (_, soak_started) = find(&records, "step-started", "soak").expect("soak started");
    assert!(
        tagged - ms(&soak_started.ts) >= 3_000,
        "tag ran 3 s or more after soak started"
    );
    d.verify_latest();
}

#[test]
fn the_step_never_runs_when_the_watch_trips() {
    let d = Dir::new("");
    // The third measurement fails (about 0.6 s into the 3 s watch).
    d.write(
        "flightdeck.toml",
        &runbook("echo x >> count; test $(wc -l < count) -lt 3"),
    );
    d.write("answers.toml", "[rollback]\nconfirm = \"staging\"\n");
    let o = d
        .cmd(&["run", "--plain", "--answers", "answers.toml"])
        .env("RUST_BACKTRACE", "0")
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(3), "rolled back: {}", out(&o));
    assert!(
        !d.path().join("tagged_at").exists(),
        "the held step never ran: {}",
        out(&o)
    );
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        stdout.contains("tag waits for background watch soak: "),
        "it was held: {}",
        out(&o)
    );
    assert!(
        !stdout.contains("step tag no longer waits"),
        "never released: {}",
        out(&o)
    );
    let (records, st) = d.latest();
    assert_eq!(st.phase, ReleasePhase::Finished(ReleaseOutcome::RolledBack));
    assert!(
        find(&records, "step-started", "tag").is_none(),
        "tag never started"
    );
    let (_, soak) = find(&records, "step-finished", "soak").expect("soak finished");
    assert_eq!(soak.data["outcome"], "failed");
    assert!(
        records.iter().any(|r| r.kind.as_str() == "rollback-armed"),
        "the trip armed the rollback"
    );
    assert_eq!(
        std::fs::read_to_string(d.path().join("version.txt"))
            .expect("version")
            .trim(),
        "v1",
        "the rollback ran"
    );
    d.verify_latest();
}

#[test]
fn plan_and_check_show_the_field() {
    let d = Dir::new("");
    d.write("flightdeck.toml", &runbook("true"));
    let o = d.cmd(&["plan"]).output().expect("runs");
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    let stdout = String::from_utf8_lossy(&o.stdout);
    let tag = stdout
        .lines()
        .position(|l| l.contains("tag [run]"))
        .expect("the tag step");
    assert_eq!(
        stdout.lines().nth(tag + 1).map(str::trim),
        Some("waits for background watch soak to end"),
        "{stdout}"
    );
    // A typo in the id: `check` names the place and the fix.
    d.write(
        "flightdeck.toml",
        &runbook("true").replace("wait_for = [\"soak\"]", "wait_for = [\"sok\"]"),
    );
    let o = d
        .cmd(&["check", "flightdeck.toml"])
        .env("RUST_BACKTRACE", "0")
        .output()
        .expect("runs");
    assert_ne!(o.status.code(), Some(0), "{}", out(&o));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(
        text.contains("flightdeck.toml:29:13: wait_for names `sok`, which is not a background watch before step `tag`"),
        "{text}"
    );
    assert!(text.contains("did you mean `soak`?"), "{text}");
}
