//! Reports from real journals: evidence (with captures), incident, drill; insta snapshots with
//! times, durations and hashes filtered; the integrity line agrees with `journal verify`.

use crate::run::{Dir, out};

const RUNBOOK: &str = r#"
[release]
name = "ledger"
environment = "staging"
version = "2.0.0"

[[steps]]
id = "qa"
kind = "manual"
title = "QA checklist attached"
evidence = "required"

[[steps]]
id = "contract"
kind = "run"
title = "Deploy the contract"
run = "echo 'Transaction hash: 0xabc123'; echo 'Block: 42'; echo 'Contract address: 0xfeed'"
capture = { tx_hash = 'Transaction hash: (0x[0-9a-f]+)', block = 'Block: ([0-9]+)', address = 'Contract address: (0x[0-9a-f]+)' }

[[steps]]
id = "smoke"
kind = "run"
title = "Smoke test"
run = "test -f broken && { echo smoke failed; exit 2; }; echo smoke ok"

[[rollback.steps]]
kind = "run"
title = "Redeploy the previous contract"
run = "echo redeployed"
"#;

fn filtered(text: &str) -> String {
    let mut s = text.to_owned();
    for (re, to) in [
        (r"\d{8}T\d{6}Z", "[ID-TIME]"),
        (r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC", "[DATETIME]"),
        (r"\d{4}-\d{2}-\d{2}", "[DATE]"),
        (r"\d{2}:\d{2}:\d{2}", "[TIME]"),
        (r"\b\d{2}:\d{2}\b", "[HH:MM]"),
        (r"[0-9a-f]{64}", "[HASH]"),
        (r"\d+m \d+s \(detection", "[MINUTES] (detection"),
        (r"\b\d+(\.\d+)?(ms|s)\b", "[DUR]"),
        (r"`[^`]*\.flightdeck/journal/", "`[DIR]/journal/"),
        (r"[a-z0-9_-]+@[A-Za-z0-9._-]+", "[OPERATOR@HOST]"),
    ] {
        s = regex::Regex::new(re)
            .expect("regex")
            .replace_all(&s, to)
            .into_owned();
    }
    s
}

fn release(d: &Dir, broken: bool) {
    let mut answers = "[evidence]\nqa = \"QA-9 attached\"\n".to_owned();
    if broken {
        d.write("broken", "");
        answers.push_str("[rollback]\nconfirm = \"staging\"\n");
    }
    d.write("answers.toml", &answers);
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
    assert_eq!(
        o.status.code(),
        Some(if broken { 3 } else { 0 }),
        "{}",
        out(&o)
    );
}

#[test]
fn evidence_report_of_a_completed_release_with_captures() {
    let d = Dir::new(RUNBOOK);
    release(&d, false);
    let o = d.cmd(&["report"]).output().expect("runs");
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("- Captured `tx_hash`: `0xabc123`"), "{text}");
    assert!(text.contains("- Captured `block`: `42`"), "{text}");
    assert!(text.contains("- Evidence: QA-9 attached"), "{text}");
    insta::assert_snapshot!("report_completed", filtered(&text));
}

#[test]
fn evidence_and_incident_reports_of_a_rolled_back_release() {
    let d = Dir::new(RUNBOOK);
    release(&d, true);
    let o = d.cmd(&["report"]).output().expect("runs");
    insta::assert_snapshot!(
        "report_rolled_back",
        filtered(&String::from_utf8_lossy(&o.stdout))
    );
    let report_path = d.path().join("incident.md");
    let o = d
        .cmd(&["report", "--incident", "-o", "incident.md"])
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    let text = std::fs::read_to_string(report_path).expect("written");
    assert!(
        text.contains("Event detected: step `smoke` failed: exit code 2"),
        "{text}"
    );
    assert!(text.contains("Resolution: release rolled-back"), "{text}");
    insta::assert_snapshot!("report_incident", filtered(&text));
}

#[test]
fn drill_records_rollback_durations_and_findings() {
    let d = Dir::new(RUNBOOK);
    d.write(
        "answers.toml",
        "[evidence]\nqa = \"QA-9\"\n[drill]\nfindings = \"rollback took under a minute; runbook step 2 needs the RPC URL\"\n",
    );
    let o = d
        .cmd(&[
            "run",
            "--drill",
            "--answers",
            "answers.toml",
            "--operator",
            "alice",
        ])
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    let o = d.cmd(&["report"]).output().expect("runs");
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.starts_with("# Rollback drill"), "{text}");
    assert!(text.contains("needs the RPC URL"), "{text}");
    insta::assert_snapshot!("report_drill", filtered(&text));
    // --rollback-only rehearses the rollback without deploying.
    let o = d
        .cmd(&[
            "run",
            "--drill",
            "--rollback-only",
            "--answers",
            "answers.toml",
        ])
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    let (_, st) = d.latest();
    assert!(st.drill);
    assert!(
        st.steps
            .iter()
            .all(|s| matches!(s.status, flightdeck::release::StepStatus::Skipped(_)))
    );
    assert_eq!(
        st.rollback_steps[0].status,
        flightdeck::release::StepStatus::Succeeded
    );
}

#[test]
fn a_drill_is_refused_in_a_protected_environment() {
    let d = Dir::new(&RUNBOOK.replace("\"staging\"", "\"production\""));
    d.write("answers.toml", "[evidence]\nqa = \"x\"\n");
    let o = d
        .cmd(&["run", "--drill", "--answers", "answers.toml"])
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(4), "{}", out(&o));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--env staging"));
}

#[test]
fn the_integrity_line_agrees_with_journal_verify() {
    let d = Dir::new(RUNBOOK);
    release(&d, false);
    let o = d.cmd(&["report"]).output().expect("runs");
    assert!(String::from_utf8_lossy(&o.stdout).contains("`flightdeck journal verify`: passes"));
    let path = d.state().resolve("latest").expect("journal");
    let text = std::fs::read_to_string(&path).expect("read");
    std::fs::write(&path, text.replacen("QA-9", "QA-8", 1)).expect("tamper");
    d.cmd(&["journal", "verify"]).assert().code(1);
    let o = d.cmd(&["report"]).output().expect("runs");
    assert_eq!(o.status.code(), Some(1), "{}", out(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("`flightdeck journal verify`: FAILS"));
}
