//! `examples/release-process` (seed 004): one runbook, staging then production. Production is
//! refused until staging completed the version (`release` gate); 1.1.0 goes through staging and
//! production and is tagged; 1.2.0 passes staging, then trips the error-rate trigger (real
//! Prometheus) in production, is rolled back to 1.1.0, and `report --incident` tells the story.

use std::path::Path;

use flightdeck::release::{ReleaseOutcome, ReleasePhase};

use super::support::{
    PidFile, bin_dir, copy_example, fixture_path, get, git_init, prometheus, prometheus_ready,
    secs, sh, wait_for,
};
use crate::run::{Dir, out};
use crate::watch::free_port;

const ANSWERS: &str = r#"
[evidence]
m2-tasks = "M2 board: 14/14 done; LKGC streak 5 (tier 2 needs 3)"
blockers = "none open in the M2 milestone"

[approvals.final-approval]
name = "alice"
reason = "CAB-77: rollback plan verified, window 06:00-08:00 UTC"

[rollback]
confirm = "production"
"#;

/// 1.0.0, already in staging and production before this runbook.
const BASELINE: &str = r#"
[release]
name = "m2-platform"
environment = "production"
version = "1.0.0"

[environments.staging]
protected = false
vars = { port = "8081" }

[vars]
port = "8080"

[[steps]]
id = "deploy"
kind = "run"
run = "scripts/deploy.sh {{ release.environment }} {{ version }} {{ vars.port }}"
"#;

struct Setup {
    prod: u16,
    staging: u16,
    prom: u16,
    answers: String,
}

fn run(d: &Dir, s: &Setup, env: &str, extra: &[&str]) -> std::process::Output {
    run_with(d, s, env, extra, true)
}

/// `run` with the answers file; `confirm`: whether it confirms a rollback of a failed step.
fn run_with(d: &Dir, s: &Setup, env: &str, extra: &[&str], confirm: bool) -> std::process::Output {
    let port = if env == "staging" { s.staging } else { s.prod };
    // The answers live outside the repository (the `clean-tree` gate); each confirms its env.
    let file = Path::new(&s.answers).with_extension(format!("{env}.toml"));
    let mut answers = ANSWERS.replace("\"production\"", &format!("\"{env}\""));
    if !confirm {
        answers = answers
            .replace("[rollback]", "")
            .replace("confirm = ", "# confirm = ");
    }
    std::fs::write(&file, answers).unwrap();
    let sets = [
        format!("vars.port={port}"),
        format!("vars.prometheus=http://127.0.0.1:{}", s.prom),
    ];
    let mut args = vec!["run", "--plain", "--env", env, "--operator", "alice"];
    args.extend(["--answers", file.to_str().unwrap()]);
    for v in &sets {
        args.extend(["--set", v.as_str()]);
    }
    args.extend(extra);
    let path = format!("{}:{}", bin_dir().display(), fixture_path());
    let mut c = d.cmd(&args);
    c.env("PATH", path).timeout(secs(180));
    c.output().unwrap()
}

fn live_version(port: u16) -> Option<String> {
    let body = get(port, "/api/system/version")?;
    let v: serde_json::Value = serde_json::from_str(body.trim()).ok()?;
    v["version"].as_str().map(str::to_owned)
}

fn tags(d: &Dir) -> String {
    let (ok, text) = sh(d.path(), "git tag --list", &[], secs(30));
    assert!(ok, "{text}");
    text
}

#[test]
fn release_process_stages_then_promotes_and_rolls_back_production() {
    if !prometheus_ready() {
        return;
    }
    let d = copy_example("release-process");
    let side = tempfile::tempdir().unwrap();
    let _prod_app = PidFile(d.path().join(".deploy/production/pid"));
    let _staging_app = PidFile(d.path().join(".deploy/staging/pid"));
    let s = Setup {
        prod: free_port(),
        staging: free_port(),
        prom: free_port(),
        answers: side.path().join("answers").display().to_string(),
    };
    let _prom = prometheus(
        &side.path().join("prom"),
        s.prom,
        &[("m2-platform", s.prod), ("m2-platform-staging", s.staging)],
    );
    d.write("baseline.toml", BASELINE);
    git_init(d.path(), &["v1.0.0"]);
    for (env, port) in [("staging", s.staging), ("production", s.prod)] {
        let o = run_baseline(&d, env, port, &s);
        assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    }
    assert_eq!(live_version(s.prod).as_deref(), Some("1.0.0"));

    // Production before staging is refused by the release gate.
    let o = run_with(&d, &s, "production", &["--release-version", "1.1.0"], false);
    assert_eq!(o.status.code(), Some(1), "{}", out(&o));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("no finished release of m2-platform 1.1.0 in staging"),
        "{text}"
    );

    let o = run(
        &d,
        &s,
        "staging",
        &[
            "--release-version",
            "1.1.0",
            "--set",
            "vars.watch=5s",
            "--abandon",
            "staging comes first",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    assert_eq!(live_version(s.staging).as_deref(), Some("1.1.0"));
    wait_for(secs(60), "Prometheus has the production rate", || {
        get(
            s.prom,
            "/api/v1/query?query=sum(rate(http_requests_total%7Bjob%3D%22m2-platform%22%7D%5B1m%5D))",
        )
        .is_some_and(|b| b.contains("\"value\""))
    });
    let o = run(
        &d,
        &s,
        "production",
        &["--release-version", "1.1.0", "--set", "vars.watch=5s"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("✔ staging-done: m2-platform 1.1.0 in staging completed"),
        "{text}"
    );
    assert!(text.contains("✔ error-rate: 0"), "{text}");
    assert_eq!(live_version(s.prod).as_deref(), Some("1.1.0"));
    let t = tags(&d);
    assert!(
        t.contains("staging-v1.1.0") && t.contains("\nv1.1.0"),
        "{t}"
    );
    let (records, st) = d.latest();
    assert_eq!(st.phase, ReleasePhase::Finished(ReleaseOutcome::Completed));
    let approval = records
        .iter()
        .find(|r| r.kind.as_str() == "approval")
        .expect("approval");
    assert_eq!(approval.data["name"], "alice");
    d.verify_latest();

    production_1_2_0_rolls_back(&d, &s);
}

fn run_baseline(d: &Dir, env: &str, port: u16, s: &Setup) -> std::process::Output {
    let file = Path::new(&s.answers).with_extension("baseline.toml");
    std::fs::write(&file, "").unwrap();
    let path = format!("{}:{}", bin_dir().display(), fixture_path());
    d.cmd(&[
        "run",
        "--plain",
        "-f",
        "baseline.toml",
        "--env",
        env,
        "--set",
        &format!("vars.port={port}"),
        "--answers",
        file.to_str().unwrap(),
    ])
    .env("PATH", path)
    .timeout(secs(60))
    .output()
    .unwrap()
}

fn production_1_2_0_rolls_back(d: &Dir, s: &Setup) {
    let o = run(
        d,
        s,
        "staging",
        &["--release-version", "1.2.0", "--set", "vars.watch=5s"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    // A fault that only production traffic shows.
    std::fs::write(d.path().join("faults/1.2.0"), "0.3").unwrap();
    let o = run(
        d,
        s,
        "production",
        &[
            "--release-version",
            "1.2.0",
            "--set",
            "vars.watch=90s",
            "--set",
            "vars.error_window=15s",
        ],
    );
    assert_eq!(o.status.code(), Some(3), "{}", out(&o));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("trigger error-rate tripped"), "{text}");
    assert_eq!(live_version(s.prod).as_deref(), Some("1.1.0"));
    let t = tags(d);
    assert!(
        !t.contains("\nv1.2.0"),
        "no tag for a rolled-back release: {t}"
    );
    let (records, st) = d.latest();
    assert_eq!(st.phase, ReleasePhase::Finished(ReleaseOutcome::RolledBack));
    let confirmed = records
        .iter()
        .find(|r| r.kind.as_str() == "rollback-confirmed")
        .expect("confirmed");
    assert_eq!(confirmed.data["target"], "v1.1.0");
    d.verify_latest();

    let rep = d
        .cmd(&["report", "--incident", "-o", "incident.md"])
        .timeout(secs(30))
        .output()
        .unwrap();
    assert_eq!(rep.status.code(), Some(0), "{}", out(&rep));
    let report = std::fs::read_to_string(d.path().join("incident.md")).unwrap();
    for want in ["## Timeline", "error-rate", "## Root Cause", "1.2.0"] {
        assert!(report.contains(want), "missing `{want}`:\n{report}");
    }
}
