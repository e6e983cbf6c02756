//! `release` gates on journals written by real headless runs of the binary: completed or not,
//! rolled back, `stable_for`, and "staging before production" as a `gates` step.

use std::time::Duration;

use flightdeck::exec::gates::{GateCx, GateState};

use super::support::{HEADER, cx, eval};
use crate::run::{Dir, out};

const STAGING: &str = r#"
[release]
name = "app"
environment = "staging"
version = "1.2.0"

[[steps]]
id = "deploy"
kind = "run"
run = "test -f fail-deploy && exit 4; echo deployed {{ version }}"

[[rollback.steps]]
kind = "run"
run = "echo rolled back"
"#;

const PRODUCTION: &str = r#"
[release]
name = "app"
environment = "production"
version = "1.2.0"

[[gates]]
id = "staging-done"
kind = "release"
environment = "staging"
version = "{{ version }}"
completed = true

[[steps]]
id = "preflight"
kind = "gates"
gates = ["staging-done"]

[[steps]]
id = "deploy"
kind = "run"
run = "echo deployed to production"
"#;

fn run(d: &Dir, file: &str, version: &str) -> std::process::Output {
    run_with(d, file, version, &[])
}

fn run_with(d: &Dir, file: &str, version: &str, extra: &[&str]) -> std::process::Output {
    let mut args = vec![
        "run",
        "--plain",
        "-f",
        file,
        "--release-version",
        version,
        "--answers",
        "answers.toml",
    ];
    args.extend_from_slice(extra);
    d.cmd(&args).output().unwrap()
}

fn gate_cx(d: &Dir) -> GateCx {
    let mut cx = cx(d.path());
    cx.state_dir = Some(d.state());
    cx
}

fn gate(version: &str, extra: &str) -> String {
    let _ = HEADER;
    format!(
        "[[gates]]\nid = \"r\"\nkind = \"release\"\nenvironment = \"staging\"\nversion = \"{version}\"\n{extra}"
    )
}

#[tokio::test]
async fn completed_rolled_back_and_stable_for() {
    let d = Dir::new(STAGING);
    d.write("answers.toml", "[rollback]\nconfirm = \"staging\"\n");
    let o = run(&d, "flightdeck.toml", "1.2.0");
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    d.write("fail-deploy", "");
    let o = run(&d, "flightdeck.toml", "1.3.0");
    assert_eq!(o.status.code(), Some(3), "rolled back: {}", out(&o));
    let cx = gate_cx(&d);

    let o = eval(&gate("1.2.0", ""), &cx).await;
    assert_eq!(o.state, GateState::Pass, "{o:?}");
    assert!(
        o.message.starts_with("app 1.2.0 in staging completed "),
        "{}",
        o.message
    );

    let o = eval(&gate("1.3.0", ""), &cx).await;
    assert_eq!(o.state, GateState::Fail, "{o:?}");
    assert!(o.message.contains("rolled-back") && o.message.ends_with("expected completed"));

    let o = eval(&gate("9.9.9", ""), &cx).await;
    assert_eq!(o.state, GateState::Fail, "{o:?}");
    assert!(
        o.message
            .starts_with("no finished release of app 9.9.9 in staging")
    );

    let o = eval(&gate("1.2.0", "stable_for = \"1h\"\n"), &cx).await;
    assert_eq!(o.state, GateState::Fail, "{o:?}");
    assert!(o.message.ends_with("< stable_for 1h"), "{}", o.message);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let o = eval(&gate("1.2.0", "stable_for = \"1s\"\n"), &cx).await;
    assert_eq!(o.state, GateState::Pass, "{o:?}");
    assert!(o.value.as_u64().is_some_and(|s| s >= 1), "{o:?}");

    // Without a version, the newest finished release is judged: 1.3.0, rolled back.
    let any = "[[gates]]\nid = \"r\"\nkind = \"release\"\nenvironment = \"staging\"\n";
    let o = eval(any, &cx).await;
    assert_eq!(o.state, GateState::Fail, "{o:?}");
    assert!(
        o.message.starts_with("app 1.3.0 in staging rolled-back"),
        "{}",
        o.message
    );
}

#[test]
fn production_waits_for_staging_through_a_gates_step() {
    let d = Dir::new(STAGING);
    d.write("production.toml", PRODUCTION);
    d.write("answers.toml", "");
    let o = run(&d, "production.toml", "1.2.0");
    assert_eq!(o.status.code(), Some(1), "{}", out(&o));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("✖ staging-done: no finished release of app 1.2.0 in staging"),
        "{text}"
    );
    let (records, _) = d.latest();
    let gr = records
        .iter()
        .find(|r| r.kind.as_str() == "gate-result")
        .expect("a gate-result record");
    assert_eq!(gr.step.as_deref(), Some("preflight"));
    assert_eq!(gr.data["gate"], "staging-done");
    assert_eq!(gr.data["state"], "fail");

    // One release of `app` at a time: the unfinished production release is abandoned.
    let o = run_with(
        &d,
        "flightdeck.toml",
        "1.2.0",
        &["--abandon", "staging first"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    let o = run(&d, "production.toml", "1.2.0");
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("✔ staging-done: app 1.2.0 in staging completed"),
        "{text}"
    );
    d.verify_latest();
}
