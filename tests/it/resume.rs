//! Resume after a crash (kill -9 mid-step), abandon, and continuing an unfinished rollback.

use std::time::{Duration, Instant};

use flightdeck::release::{ReleaseOutcome, ReleasePhase, StepStatus};

use crate::run::{Dir, out};

const SLOW: &str = r#"
[release]
name = "app"
environment = "staging"
version = "1.0.0"

[[steps]]
id = "prep"
kind = "run"
run = "echo prepared"

[[steps]]
id = "slow"
kind = "run"
run = "echo $$ > slow.pid; echo begun; sleep 30; echo never"

[[steps]]
id = "after"
kind = "run"
run = "echo after > after.txt"

[[rollback.steps]]
kind = "run"
run = "echo rolled back > rolled-back.txt"
"#;

/// Start a release, wait until step `slow` runs, then kill flightdeck with SIGKILL.
fn crash_mid_step(d: &Dir) {
    let bin = assert_cmd::cargo::cargo_bin("flightdeck");
    let mut child = std::process::Command::new(bin)
        .current_dir(d.path())
        .args(["run", "--plain"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn");
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        assert!(Instant::now() < deadline, "step `slow` never started");
        if let Ok(p) = d.state().resolve("latest")
            && std::fs::read_to_string(&p).is_ok_and(|t| t.contains("\"begun\""))
        {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    child.kill().expect("kill -9");
    child.wait().expect("reaped");
    kill_step_group(d);
}

/// The step's own process group survives flightdeck by design; end it for the test.
fn kill_step_group(d: &Dir) {
    if let Ok(pid) = std::fs::read_to_string(d.path().join("slow.pid"))
        && let Ok(pid) = pid.trim().parse::<i32>()
    {
        let _ = nix::sys::signal::killpg(
            nix::unistd::Pid::from_raw(pid),
            nix::sys::signal::Signal::SIGKILL,
        );
    }
}

#[test]
fn a_crashed_release_must_be_resumed_or_abandoned() {
    let d = Dir::new(SLOW);
    crash_mid_step(&d);
    let (_, st) = d.latest();
    assert_eq!(st.steps[1].status, StepStatus::Interrupted);
    assert_eq!(st.steps[0].status, StepStatus::Succeeded);
    let o = d.cmd(&["run", "--plain"]).output().expect("runs");
    assert_eq!(o.status.code(), Some(4), "{}", out(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("is unfinished at step `slow` (interrupted)"),
        "{err}"
    );
    assert!(err.contains("--resume"), "{err}");
    // The lock left by the killed process is stale: resuming needs --take-over.
    let o = d
        .cmd(&["run", "--plain", "--resume"])
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(4), "{}", out(&o));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("--take-over"),
        "{}",
        out(&o)
    );
    // Headless, an interrupted step needs a decision.
    let o = d
        .cmd(&["run", "--plain", "--resume", "--take-over"])
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(4), "{}", out(&o));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("[resume] interrupted"),
        "{}",
        out(&o)
    );
}

#[test]
fn resume_marks_an_interrupted_step_done_and_finishes() {
    let d = Dir::new(SLOW);
    crash_mid_step(&d);
    d.write(
        "answers.toml",
        "[resume]\ninterrupted = \"mark-done\"\nnote = \"checked by hand: the step had finished\"\n",
    );
    let o = d
        .cmd(&[
            "run",
            "--plain",
            "--resume",
            "--take-over",
            "--answers",
            "answers.toml",
        ])
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    assert!(d.path().join("after.txt").exists());
    let (records, st) = d.latest();
    assert_eq!(st.phase, ReleasePhase::Finished(ReleaseOutcome::Completed));
    assert_eq!(
        st.steps[1].note.as_deref(),
        Some("checked by hand: the step had finished")
    );
    let kinds: Vec<&str> = records.iter().map(|r| r.kind.as_str()).collect();
    assert!(kinds.contains(&"lock-taken-over"), "{kinds:?}");
    // Finished steps kept their outcome and durations through the crash.
    assert!(st.steps[0].duration_ms.is_some());
    d.verify_latest();
}

#[test]
fn resume_retries_an_interrupted_step() {
    let d = Dir::new(&SLOW.replace(
        "sleep 30; echo never",
        "test -f go || sleep 30; echo retried",
    ));
    crash_mid_step(&d);
    d.write("go", "");
    d.write("answers.toml", "[resume]\ninterrupted = \"retry\"\n");
    let o = d
        .cmd(&[
            "run",
            "--plain",
            "--resume",
            "--take-over",
            "--answers",
            "answers.toml",
        ])
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    let (_, st) = d.latest();
    assert_eq!(st.steps[1].attempts, 2);
    assert_eq!(
        st.steps[1].output_tail.back().map(String::as_str),
        Some("retried")
    );
    d.verify_latest();
}

#[test]
fn resume_rolls_back_an_interrupted_release() {
    let d = Dir::new(SLOW);
    crash_mid_step(&d);
    d.write("answers.toml", "[resume]\ninterrupted = \"rollback\"\n");
    let o = d
        .cmd(&[
            "run",
            "--plain",
            "--resume",
            "--take-over",
            "--answers",
            "answers.toml",
        ])
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(3), "{}", out(&o));
    assert!(d.path().join("rolled-back.txt").exists());
    d.verify_latest();
}

#[test]
fn abandon_closes_the_unfinished_release_and_starts_a_new_one() {
    let d = Dir::new(&SLOW.replace("sleep 30; echo never", "test -f go || sleep 30"));
    crash_mid_step(&d);
    d.write("go", "");
    let o = d
        .cmd(&[
            "run",
            "--plain",
            "--take-over",
            "--abandon",
            "window closed",
        ])
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    let list = d.state().list().expect("list");
    assert_eq!(list.len(), 2, "the old release and a new one");
    let old = flightdeck::journal::read(&list[1].path).expect("read");
    let st = flightdeck::release::replay::from_records(&old.records).expect("replay");
    assert_eq!(st.phase, ReleasePhase::Finished(ReleaseOutcome::Abandoned));
}

#[test]
fn resume_with_nothing_unfinished_is_an_error() {
    let d = Dir::new(SLOW);
    let o = d
        .cmd(&["run", "--plain", "--resume"])
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(1), "{}", out(&o));
    assert!(String::from_utf8_lossy(&o.stderr).contains("no unfinished release"));
}

#[test]
fn an_unfinished_rollback_is_continued_by_flightdeck_rollback() {
    let d = Dir::new(
        r#"
[release]
name = "app"
environment = "staging"
version = "1"
[[steps]]
id = "a"
kind = "run"
run = "exit 1"
[[rollback.steps]]
kind = "run"
run = "test -f fixed && echo restored {{ rollback.version | default('(none)') }} > restored.txt"
"#,
    );
    d.cmd(&["run", "--plain"]).assert().code(1);
    let o = d.cmd(&["rollback", "--yes"]).output().expect("runs");
    assert_eq!(o.status.code(), Some(1), "{}", out(&o));
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("the rollback is unfinished"),
        "{}",
        out(&o)
    );
    d.write("fixed", "");
    let o = d.cmd(&["rollback", "--yes"]).output().expect("runs");
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    assert_eq!(
        std::fs::read_to_string(d.path().join("restored.txt"))
            .expect("written")
            .trim(),
        "restored (none)"
    );
    d.verify_latest();
}
