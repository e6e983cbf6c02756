//! The binary end to end (`assert_cmd`): headless `run`, `plan`, `rollback`, refusals, journal.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use flightdeck::journal::{Hasher, StateDir, read, verify};
use flightdeck::release::{ReleaseOutcome, ReleasePhase, StepStatus, replay};

pub struct Dir {
    pub tmp: tempfile::TempDir,
}

impl Dir {
    pub fn new(runbook: &str) -> Dir {
        let tmp = tempfile::tempdir().expect("tempdir");
        std::fs::write(tmp.path().join("flightdeck.toml"), runbook).expect("write runbook");
        Dir { tmp }
    }
    pub fn path(&self) -> &Path {
        self.tmp.path()
    }
    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        let p = self.tmp.path().join(name);
        std::fs::write(&p, text).expect("write");
        p
    }
    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::cargo_bin("flightdeck").expect("binary");
        c.current_dir(self.path())
            .env_remove("FLIGHTDECK_JOURNAL_KEY")
            .env_remove("SUDO_USER")
            .args(args);
        c
    }
    pub fn state(&self) -> StateDir {
        StateDir::new(self.path().join(".flightdeck"))
    }
    /// The newest journal's records and the state they rebuild.
    pub fn latest(
        &self,
    ) -> (
        Vec<flightdeck::journal::Record>,
        flightdeck::release::ReleaseState,
    ) {
        let path = self.state().resolve("latest").expect("a journal");
        let out = read(&path).expect("readable");
        let st = replay::from_records(&out.records).expect("replays");
        (out.records, st)
    }
    pub fn verify_latest(&self) {
        let path = self.state().resolve("latest").expect("a journal");
        let rep = verify(&path, &Hasher::plain());
        assert!(rep.ok(), "journal verify failed: {:?}", rep.problems);
    }
}

pub fn out(o: &std::process::Output) -> String {
    format!(
        "stdout:\n{}\nstderr:\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

const BASIC: &str = r#"
[release]
name = "app"
environment = "staging"
version = "1.2.0"

[[steps]]
id = "qa"
kind = "manual"
title = "QA checklist attached"
evidence = "required"

[[steps]]
id = "deploy"
kind = "run"
run = "echo deploying {{ version }}; echo 'Transaction hash: 0xabc123'; echo warn >&2"
capture = { tx = 'Transaction hash: (0x[0-9a-f]+)' }

[[steps]]
id = "smoke"
kind = "run"
run = "test -f fail-smoke && exit 7; echo smoke ok for {{ captures.tx }}"

[[rollback.steps]]
kind = "run"
run = "echo rolled back > rolled-back.txt; echo rollback done"
"#;

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

const PROD: &str = r#"
[release]
name = "app"
environment = "production"
version = "2.0.0"
operators = ["alice", "bob"]
[[steps]]
id = "cab"
kind = "approval"
approvers = ["bob"]
reason = "required"
[[steps]]
id = "deploy"
kind = "run"
run = "echo deployed"
"#;

#[test]
fn protected_environment_refusals_exit_4() {
    let d = Dir::new(PROD);
    let o = d
        .cmd(&["run", "--plain", "--auto-approve", "--operator", "alice"])
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(4), "{}", out(&o));
    assert!(String::from_utf8_lossy(&o.stderr).contains("protected environment `production`"));
    let o = d
        .cmd(&["run", "--plain", "--operator", "alice"])
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(4), "{}", out(&o));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--answers FILE"));
    let o = d
        .cmd(&["run", "--plain", "--operator", "mallory"])
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(4), "{}", out(&o));
    assert!(String::from_utf8_lossy(&o.stderr).contains("`mallory` is not in release.operators"));
    assert!(
        !d.path().join(".flightdeck/journal").exists()
            || d.state().list().expect("list").is_empty()
    );
}

#[test]
fn protected_environment_runs_headless_with_an_answers_file_journaled_whole() {
    let d = Dir::new(PROD);
    d.write(
        "answers.toml",
        "[approvals.cab]\nname = \"bob\"\nreason = \"CAB-77\"\n",
    );
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
    let (records, st) = d.latest();
    assert_eq!(st.steps[0].approval, Some(("bob".into(), "CAB-77".into())));
    let note = records
        .iter()
        .find(|r| r.data["action"] == "answers")
        .expect("answers note");
    assert!(
        note.data["text"]
            .as_str()
            .unwrap_or_default()
            .contains("CAB-77")
    );
    // A wrong approver fails the step, naming the allow-list.
    d.write(
        "answers.toml",
        "[approvals.cab]\nname = \"alice\"\nreason = \"CAB-77\"\n",
    );
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
    assert_eq!(o.status.code(), Some(1), "{}", out(&o));
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("`alice` may not approve `cab`"),
        "{}",
        out(&o)
    );
}

#[test]
fn rollback_yes_is_refused_in_a_protected_environment() {
    let d = Dir::new(PROD);
    d.write(
        "answers.toml",
        "[approvals.cab]\nname = \"bob\"\nreason = \"CAB-77\"\n",
    );
    d.cmd(&[
        "run",
        "--plain",
        "--answers",
        "answers.toml",
        "--operator",
        "bob",
    ])
    .assert()
    .code(0);
    let o = d
        .cmd(&["rollback", "--yes", "--operator", "bob"])
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(4), "{}", out(&o));
    d.write("confirm.toml", "[rollback]\nconfirm = \"prod\"\n");
    let o = d
        .cmd(&["rollback", "--answers", "confirm.toml", "--operator", "bob"])
        .output()
        .expect("runs");
    assert_eq!(
        o.status.code(),
        Some(4),
        "a wrong environment name never confirms: {}",
        out(&o)
    );
    d.write("confirm.toml", "[rollback]\nconfirm = \"production\"\n");
    let o = d
        .cmd(&["rollback", "--answers", "confirm.toml", "--operator", "bob"])
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    let (_, st) = d.latest();
    assert_eq!(st.phase, ReleasePhase::Finished(ReleaseOutcome::RolledBack));
}

#[test]
fn a_held_lock_refuses_a_second_run_naming_the_holder() {
    let d = Dir::new(BASIC);
    std::fs::create_dir_all(d.path().join(".flightdeck/journal")).expect("mkdir");
    // pid 1 is alive on this host: the lock is held, not stale.
    let host = flightdeck::journal::lock::hostname();
    d.write(
        ".flightdeck/lock",
        &format!(r#"{{"operator":"carol","host":"{host}","pid":1,"started":"2026-11-25T06:00:00.000Z","release":null}}"#),
    );
    let o = d
        .cmd(&["run", "--plain", "--auto-approve"])
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(4), "{}", out(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("carol"), "{err}");
    assert!(err.contains("flightdeck observe"), "{err}");
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
fn plan_renders_commands_and_reports_what_is_missing() {
    let d = Dir::new(
        r#"
[release]
name = "app"
environment = "staging"
version = { file = "VERSION" }
[vars]
compose = "docker-compose.prod.yml"
[[steps]]
id = "deploy"
kind = "run"
run = "docker-compose -f {{ vars.compose }} up -d # {{ env.FD_TEST_TOKEN_UNSET }}"
timeout = "15m"
"#,
    );
    let o = d.cmd(&["plan"]).output().expect("runs");
    assert_eq!(o.status.code(), Some(1), "{}", out(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("VERSION"), "{err}");
    assert!(
        err.contains("flightdeck.toml:11:"),
        "the place of the undefined env var: {err}"
    );
    assert!(err.contains("FD_TEST_TOKEN_UNSET"), "{err}");
    d.write("VERSION", "1.4.2\n");
    let o = d
        .cmd(&["plan"])
        .env("FD_TEST_TOKEN_UNSET", "x")
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("release app 1.4.2 → staging"), "{text}");
    assert!(
        text.contains("$ docker-compose -f docker-compose.prod.yml up -d # x"),
        "{text}"
    );
    assert!(text.contains("timeout 15m"), "{text}");
    assert!(
        !d.path().join(".flightdeck").exists(),
        "plan executes nothing and writes nothing"
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

#[test]
fn journal_commands_list_show_and_verify() {
    let d = Dir::new(BASIC);
    d.write("answers.toml", "[evidence]\nqa = \"QA-1\"\n");
    d.cmd(&["run", "--plain", "--answers", "answers.toml"])
        .assert()
        .code(0);
    let o = d.cmd(&["journal", "list"]).output().expect("runs");
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("completed"),
        "{}",
        out(&o)
    );
    let o = d
        .cmd(&["journal", "show", "latest"])
        .output()
        .expect("runs");
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("step-finished"),
        "{}",
        out(&o)
    );
    d.cmd(&["journal", "verify"]).assert().code(0);
    // Edit a record: verify names the line and exits 1.
    let path = d.state().resolve("latest").expect("journal");
    let text = std::fs::read_to_string(&path).expect("read");
    std::fs::write(&path, text.replacen("QA-1", "QA-2", 1)).expect("write");
    let o = d.cmd(&["journal", "verify"]).output().expect("runs");
    assert_eq!(o.status.code(), Some(1), "{}", out(&o));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("FAIL:"),
        "{}",
        out(&o)
    );
}

#[test]
fn an_invalid_runbook_is_refused_with_its_place() {
    let d = Dir::new(
        "[release]\nname = \"app\"\nenvironment = \"staging\"\nversion = \"1\"\n[[steps]]\nid = \"a\"\nkind = \"rum\"\n",
    );
    let o = d.cmd(&["run", "--plain"]).output().expect("runs");
    assert_eq!(o.status.code(), Some(1), "{}", out(&o));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("flightdeck.toml:7:"),
        "{}",
        out(&o)
    );
}

#[test]
fn usage_errors_exit_2() {
    let d = Dir::new(BASIC);
    d.cmd(&["run", "--bogus"]).assert().code(2);
    d.cmd(&["run", "--fps", "0"]).assert().code(2);
}
