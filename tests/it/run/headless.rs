//! Headless `run` and `rollback`: the journal, failures, answers, auto-approve, overrides,
//! timeouts.

use flightdeck::release::{ReleaseOutcome, ReleasePhase, StepStatus};

use super::{BASIC, Dir, out};

#[test]
fn headless_run_completes_and_journals_everything() {
    let d = Dir::new(BASIC);
    d.write("answers.toml", "[evidence]\nqa = \"QA-123 attached\"\n");
    let o = d
        .cmd(&[
            "run",
            "--plain",
            "--answers",
            "answers.toml",
            "--operator",
            "alice",
        ])
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("smoke ok for 0xabc123"), "{text}");
    assert!(text.contains("release completed"), "{text}");
    let (records, st) = d.latest();
    assert_eq!(st.phase, ReleasePhase::Finished(ReleaseOutcome::Completed));
    assert_eq!(st.steps[0].evidence.as_deref(), Some("QA-123 attached"));
    assert_eq!(st.captures.get("tx").map(String::as_str), Some("0xabc123"));
    assert!(records.iter().all(|r| r.operator == "alice"));
    let stderr_line = records.iter().any(|r| {
        r.kind.as_str() == "output" && r.data["stream"] == "stderr" && r.data["lines"][0] == "warn"
    });
    assert!(stderr_line, "stderr output is journaled with its stream");
    d.verify_latest();
}

#[test]
fn a_failed_step_exits_1_and_leaves_the_release_unfinished() {
    let d = Dir::new(BASIC);
    d.write("answers.toml", "[evidence]\nqa = \"QA-1\"\n");
    d.write("fail-smoke", "");
    let o = d
        .cmd(&["run", "--plain", "--answers", "answers.toml"])
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(1), "{}", out(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("exit code 7"));
    let (_, st) = d.latest();
    assert_eq!(st.phase, ReleasePhase::InProgress);
    assert!(matches!(&st.steps[2].status, StepStatus::Failed(r) if r == "exit code 7"));
    assert_eq!(st.steps[2].exit_code, Some(7));
    assert!(
        !d.path().join("rolled-back.txt").exists(),
        "no rollback without a confirmation"
    );
    // `flightdeck rollback --yes` then runs the rollback of that release.
    let o = d.cmd(&["rollback", "--yes"]).output().expect("runs");
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    assert!(d.path().join("rolled-back.txt").exists());
    let (_, st) = d.latest();
    assert_eq!(st.phase, ReleasePhase::Finished(ReleaseOutcome::RolledBack));
    d.verify_latest();
    // A second rollback of the same release is refused by the core.
    let o = d.cmd(&["rollback", "--yes"]).output().expect("runs");
    assert_eq!(o.status.code(), Some(1), "{}", out(&o));
}

#[test]
fn answers_confirming_the_rollback_roll_back_headless_with_exit_3() {
    let d = Dir::new(BASIC);
    d.write(
        "answers.toml",
        "[evidence]\nqa = \"QA-1\"\n[rollback]\nconfirm = \"staging\"\n",
    );
    d.write("fail-smoke", "");
    let o = d
        .cmd(&["run", "--plain", "--answers", "answers.toml"])
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(3), "{}", out(&o));
    assert!(d.path().join("rolled-back.txt").exists());
    let (records, _) = d.latest();
    let kinds: Vec<&str> = records.iter().map(|r| r.kind.as_str()).collect();
    for k in [
        "rollback-confirmed",
        "rollback-started",
        "rollback-finished",
        "release-finished",
    ] {
        assert!(kinds.contains(&k), "missing {k} in {kinds:?}");
    }
    let rb_output = records.iter().any(|r| {
        r.kind.as_str() == "output"
            && r.step.as_deref() == Some("rollback-1")
            && r.data["lines"]
                .as_array()
                .is_some_and(|l| l.iter().any(|x| x == "rollback done"))
    });
    assert!(rb_output, "the rollback step's output is journaled");
    d.verify_latest();
}

#[test]
fn required_evidence_cannot_be_auto_approved() {
    let d = Dir::new(BASIC);
    let o = d
        .cmd(&["run", "--plain", "--auto-approve"])
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(1), "{}", out(&o));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("no evidence for step `qa`"), "{text}");
    assert!(text.contains("--answers FILE"), "{text}");
    assert!(
        text.contains("--auto-approve cannot give required evidence"),
        "{text}"
    );
}

#[test]
fn auto_approve_answers_optional_manual_and_approval_steps() {
    let d = Dir::new(
        r#"
[release]
name = "app"
environment = "staging"
version = "1"
[[steps]]
id = "calendar"
kind = "manual"
[[steps]]
id = "ok"
kind = "approval"
"#,
    );
    let o = d
        .cmd(&["run", "--plain", "--auto-approve"])
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    let (records, st) = d.latest();
    assert_eq!(
        st.steps[1].approval.as_ref().map(|a| a.1.as_str()),
        Some("approved by --auto-approve")
    );
    assert!(
        records
            .iter()
            .any(|r| r.kind.as_str() == "note" && r.data["action"] == "auto-approve"),
        "auto-approve is journaled"
    );
}

#[test]
fn a_git_tag_with_shell_syntax_stays_one_inert_word() {
    let d = Dir::new(
        r#"
[release]
name = "app"
environment = "staging"
version = "1"
[vars]
tag = "v0"
[[steps]]
id = "echo"
kind = "run"
run = "printf '[%s]\\n' {{ vars.tag }}"
"#,
    );
    let o = d
        .cmd(&["run", "--plain", "--set", "vars.tag=v1;touch pwned"])
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("[v1;touch pwned]"),
        "{}",
        out(&o)
    );
    assert!(
        !d.path().join("pwned").exists(),
        "the tag must not run as a command"
    );
}

#[test]
fn release_version_and_set_override_the_runbook() {
    let d = Dir::new(
        r#"
[release]
name = "app"
environment = "staging"
version = "1.0.0"
[vars]
watch = "15m"
[environments.staging]
vars = { watch = "10m" }
[[steps]]
id = "show"
kind = "run"
run = "echo {{ version }} {{ vars.watch }}"
timeout = "{{ vars.watch }}"
"#,
    );
    let o = d.cmd(&["plan"]).output().expect("runs");
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("$ echo 1.0.0 10m"),
        "{}",
        out(&o)
    );
    let o = d
        .cmd(&[
            "plan",
            "--release-version",
            "9.9.9",
            "--set",
            "vars.watch=5s",
        ])
        .output()
        .expect("runs");
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("$ echo 9.9.9 5s"), "{text}");
    assert!(text.contains("timeout 5s"), "{text}");
}

#[test]
fn a_step_timeout_kills_the_process_group() {
    let d = Dir::new(
        r#"
[release]
name = "app"
environment = "staging"
version = "1"
[[steps]]
id = "hang"
kind = "run"
run = "sleep 30 & echo started; wait"
timeout = "1s"
"#,
    );
    let started = std::time::Instant::now();
    let o = d.cmd(&["run", "--plain"]).output().expect("runs");
    assert_eq!(o.status.code(), Some(1), "{}", out(&o));
    assert!(
        started.elapsed() < std::time::Duration::from_secs(15),
        "the timeout is honoured"
    );
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("timed out after 1s"),
        "{}",
        out(&o)
    );
    let (_, st) = d.latest();
    assert!(matches!(&st.steps[0].status, StepStatus::Failed(r) if r.contains("timed out")));
}
