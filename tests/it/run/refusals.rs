//! Protected environments and refusals: `--yes`, headless without answers, a held lock, invalid
//! runbooks, usage errors.

use flightdeck::release::{ReleaseOutcome, ReleasePhase};

use super::{BASIC, Dir, out};

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
    // alice releases, bob approves (an operator never approves their own release).
    d.cmd(&[
        "run",
        "--plain",
        "--answers",
        "answers.toml",
        "--operator",
        "alice",
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
