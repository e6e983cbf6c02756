//! `examples/manual-release` (seed 000) with real git, Docker and docker-compose v1 and the
//! `forge` fixture: a baseline release, the release of 2024.11.25-1 (evidence, secrets
//! template, tag, backup, compose deploy, smoke, log watch cut to 5 s, tx hash / block /
//! address captured into the report), the staging drill, then a bad commit whose smoke fails
//! and is rolled back to 2024.11.25-1.
//!
//! The operator alice has a real key (`allowed_signers` written in the temp copy) and seals
//! the journal; `origin` is a bare repository over the test sshd: the tags and the anchors
//! `refs/flightdeck/<release-id>` arrive there and `journal verify` fetches and checks them.
//! A receiver on 127.0.0.1 (`RELEASE_WEBHOOK`) hears the bad commit's failed smoke and its
//! rolled-back release; before that, a build that logs an `ERROR` line trips the log watch's
//! `log-errors` trigger in staging, and the receiver hears `trigger-tripped`, `rollback-armed`
//! and `release-rolled-back` (payloads checked field by field). A second receiver is the
//! stakeholders' channel (`STAKEHOLDERS_WEBHOOK`): the `notify-stakeholders` step posts the
//! release's message there, and a release that rolls back never reaches it.

use std::path::Path;

use flightdeck::release::{ReleaseOutcome, ReleasePhase};

use super::support::{
    ComposeCleanup, copy_example, docker_ready, fixture_path, get, git_init, secs, sh, unique,
    wait_for,
};
use super::team::{Origin, Receiver, Team};
use crate::run::{Dir, out};
use crate::watch::free_port;

const ANSWERS: &str = r#"
[evidence]
qa-checklist = "QA-311 attached to REL-42"
ops-calendar = "ops calendar: no overlapping change 06:00-08:00"
rollback-artefacts = "dump 2024-11-24 and LeverSafe v3 bytecode in REL-42"
release-entry = "REL-42: summary, QA links, known issues"
contract-record = "recorded in REL-42"
frontend = "customer-web build 8812 uploaded; staging walkthrough done"
post-deploy = "smoke subset passed; support and compliance notified"
contract-rollback = "contract unchanged; no downtime notice needed"
incident-report = "KB-77 published"

[rollback]
confirm = "ENV"

[drill]
findings = "rollback took under a minute; the restore step needs the staging backup path"
"#;

struct Setup {
    project: String,
    staging_project: String,
    image: String,
    port: u16,
    staging_port: u16,
    answers: tempfile::TempDir,
    team: Team,
    origin: Origin,
    hook: Receiver,
    stakeholders: Receiver,
}

fn run(d: &Dir, s: &Setup, env: &str, extra: &[&str]) -> std::process::Output {
    let file = s.answers.path().join(format!("{env}.toml"));
    std::fs::write(&file, ANSWERS.replace("ENV", env)).unwrap();
    let (project, port) = if env == "staging" {
        (&s.staging_project, s.staging_port)
    } else {
        (&s.project, s.port)
    };
    let sets = [
        format!("vars.project={project}"),
        format!("vars.port={port}"),
        format!("vars.image={}", s.image),
        "vars.watch=5s".to_owned(),
    ];
    let key = s.team.key("alice");
    let mut args = vec!["run", "--plain", "--env", env, "--operator", "alice"];
    args.extend(["--key", key.to_str().unwrap()]);
    args.extend(["--answers", file.to_str().unwrap()]);
    for v in &sets {
        args.extend(["--set", v.as_str()]);
    }
    args.extend(extra);
    let mut c = d.cmd(&args);
    c.env("PATH", fixture_path())
        .env("RPC_URL", "http://127.0.0.1:8545")
        .env("DEPLOYER_KEY", "0xdeployer-key-7731")
        .env(
            "DATABASE_URL",
            "postgres://app:db-pass-2291@127.0.0.1:5432/leversafe",
        )
        .env("GIT_SSH_COMMAND", s.origin.ssh_command())
        .env("RELEASE_WEBHOOK", s.hook.url())
        .env("STAKEHOLDERS_WEBHOOK", s.stakeholders.url())
        .timeout(secs(240));
    c.output().unwrap()
}

/// The latest release's anchors were all pushed, its ref is on origin, and `journal verify`
/// (seals against `allowed_signers`, anchors fetched from origin) passes.
fn anchored_and_verified(d: &Dir, s: &Setup) {
    let (records, _) = d.latest();
    let anchors: Vec<_> = records
        .iter()
        .filter(|r| r.kind.as_str() == "anchor")
        .collect();
    assert!(
        !anchors.is_empty() && anchors.iter().all(|a| a.data["pushed"] == true),
        "{anchors:#?}"
    );
    let name = anchors[0].data["ref"].as_str().unwrap();
    assert!(name.starts_with("refs/flightdeck/leversafe-"), "{name}");
    assert!(s.origin.has(name), "{name} is on origin");
    assert!(
        records.iter().any(|r| r.kind.as_str() == "seal"),
        "the operator sealed the journal: {:?}",
        records
            .iter()
            .filter(|r| r.kind.as_str().starts_with("seal") || r.kind.as_str() == "anchor")
            .map(|r| &r.data)
            .collect::<Vec<_>>()
    );
    let v = d
        .cmd(&["journal", "verify"])
        .env("GIT_SSH_COMMAND", s.origin.ssh_command())
        .timeout(secs(60))
        .output()
        .unwrap();
    assert_eq!(v.status.code(), Some(0), "{}", out(&v));
}

fn live_version(port: u16) -> Option<String> {
    let body = get(port, "/api/system/version")?;
    let v: serde_json::Value = serde_json::from_str(body.trim()).ok()?;
    v["version"].as_str().map(str::to_owned)
}

fn tags(dir: &Path) -> String {
    let (ok, text) = sh(dir, "git tag --list", &[], secs(30));
    assert!(ok, "{text}");
    text
}

#[test]
fn manual_release_tags_deploys_captures_drills_and_rolls_back() {
    if !docker_ready() {
        return;
    }
    let d = copy_example("manual-release");
    let team = Team::new(d.path());
    git_init(d.path(), &[]);
    let Some(origin) = Origin::add(d.path()) else {
        return;
    };
    let project = unique("fdex");
    let s = Setup {
        staging_project: format!("{project}s"),
        image: format!("{project}/api"),
        project,
        port: free_port(),
        staging_port: free_port(),
        answers: tempfile::tempdir().unwrap(),
        team,
        origin,
        hook: Receiver::start(),
        stakeholders: Receiver::start(),
    };
    let _cleanup = ComposeCleanup {
        project: s.project.clone(),
        image: s.image.clone(),
    };
    let _staging = ComposeCleanup {
        project: s.staging_project.clone(),
        image: s.image.clone(),
    };

    // The previous release, 2024.11.18-1.
    let o = run(&d, &s, "production", &["--release-version", "2024.11.18-1"]);
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));

    release(&d, &s);
    drill(&d, &s);
    log_errors_trip(&d, &s);
    bad_commit_rolls_back(&d, &s);
}

fn release(d: &Dir, s: &Setup) {
    let o = run(d, s, "production", &[]);
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("✔ secrets: "), "{text}");
    assert!(!text.contains("db-pass-2291"), "secrets are masked: {text}");
    assert_eq!(live_version(s.port).as_deref(), Some("2024.11.25-1"));
    assert!(tags(d.path()).contains("v2024.11.25-1"));
    assert!(
        s.origin.has("refs/tags/v2024.11.25-1"),
        "the tag was pushed to origin"
    );
    let (records, st) = d.latest();
    assert_eq!(st.phase, ReleasePhase::Finished(ReleaseOutcome::Completed));
    assert_eq!(
        st.captures.get("tx_hash").map(String::as_str),
        Some("0x9c2b5d1f7a3e4c6b8d0f2a4c6e8b0d2f4a6c8e0b2d4f6a8c0e2b4d6f8a0c2e4b")
    );
    assert_eq!(
        st.captures.get("block").map(String::as_str),
        Some("4839201")
    );
    assert_eq!(
        st.captures.get("address").map(String::as_str),
        Some("0x5FbDB2315678afecb367f032d93F642f64180aa3")
    );
    assert_eq!(
        st.steps[0].evidence.as_deref(),
        Some("QA-311 attached to REL-42")
    );
    let watched = records
        .iter()
        .filter(|r| r.kind.as_str() == "gate-result" && r.step.as_deref() == Some("log-watch"))
        .count();
    assert!(
        watched >= 2,
        "the log watch measured its triggers: {watched}"
    );
    stakeholders_notified(s, &records, &text);
    d.verify_latest();
    let rep = d.cmd(&["report"]).timeout(secs(30)).output().unwrap();
    assert_eq!(rep.status.code(), Some(0), "{}", out(&rep));
    let report = String::from_utf8_lossy(&rep.stdout);
    for want in [
        "0x9c2b5d1f7a3e4c6b8d0f2a4c6e8b0d2f4a6c8e0b2d4f6a8c0e2b4d6f8a0c2e4b",
        "4839201",
        "0x5FbDB2315678afecb367f032d93F642f64180aa3",
        "QA-311 attached to REL-42",
    ] {
        assert!(
            report.contains(want),
            "missing `{want}` in the report:\n{report}"
        );
    }
    anchored_and_verified(d, s);
}

/// Seed 000 §5, "Notify stakeholders (support, compliance) of the release": the
/// `notify-stakeholders` step, after the manual post-deploy checks, posted `{"text": …}` naming
/// the release, version, environment, tag and operator to `STAKEHOLDERS_WEBHOOK`.
fn stakeholders_notified(s: &Setup, records: &[flightdeck::journal::Record], text: &str) {
    let want = "Release leversafe 2024.11.25-1 is live in production (tag v2024.11.25-1), \
                released by alice.";
    let post = s
        .stakeholders
        .wait_until("the stakeholders' message for 2024.11.25-1", |p| {
            p["text"]
                .as_str()
                .is_some_and(|t| t.contains("2024.11.25-1") && t.contains("production"))
        });
    assert_eq!(post, serde_json::json!({ "text": want }), "{post}");
    assert!(text.contains("notified 127.0.0.1 (200)"), "{text}");
    let order: Vec<_> = records
        .iter()
        .filter(|r| r.kind.as_str() == "step-finished")
        .filter_map(|r| r.step.as_deref())
        .filter(|s| ["post-deploy", "notify-stakeholders"].contains(s))
        .collect();
    assert_eq!(
        order,
        ["post-deploy", "notify-stakeholders"],
        "after the QA subset"
    );
    assert!(
        records.iter().any(|r| r.kind.as_str() == "step-finished"
            && r.step.as_deref() == Some("notify-stakeholders")
            && r.data["outcome"] == "succeeded"),
        "the notify step succeeded"
    );
}

fn drill(d: &Dir, s: &Setup) {
    let o = run(d, s, "staging", &["--drill"]);
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    assert_eq!(
        live_version(s.staging_port).as_deref(),
        Some("2024.11.18-1"),
        "the drill rolled staging back"
    );
    // A drill is a release in staging: the stakeholders hear of it, naming staging.
    let post = s
        .stakeholders
        .wait_until("the stakeholders' message for the drill", |p| {
            p["text"].as_str().is_some_and(|t| t.contains("in staging"))
        });
    assert_eq!(
        post["text"],
        "Release leversafe 2024.11.25-1 is live in staging (tag staging-v2024.11.25-1), \
         released by alice.",
        "{post}"
    );
    let (records, st) = d.latest();
    assert!(st.drill);
    assert!(
        records
            .iter()
            .any(|r| r.kind.as_str() == "note" && r.data["action"] == "drill-findings")
    );
    let rep = d.cmd(&["report"]).timeout(secs(30)).output().unwrap();
    let report = String::from_utf8_lossy(&rep.stdout);
    assert!(
        report.contains("the restore step needs the staging backup path"),
        "{report}"
    );
    assert_eq!(live_version(s.port).as_deref(), Some("2024.11.25-1"));
    assert!(
        s.origin.has("refs/tags/staging-v2024.11.25-1"),
        "the drill's tag was pushed to origin"
    );
}

/// A build that logs `ERROR` at start (a fault file committed to the api image's `faults/`)
/// passes its smoke test; the log watch's `log-errors` trigger trips, and staging is rolled
/// back to the previous `v*` tag, 2024.11.25-1. The fault is reverted after.
fn log_errors_trip(d: &Dir, s: &Setup) {
    let (ok, text) = sh(
        d.path(),
        "printf 'ERROR ledger sync failed: connection reset by peer\\n' \
           > infra/docker/api/faults/ledger.log && git add -A && \
         git -c user.name=Test -c user.email=test@example.invalid commit -qm 'ledger sync'",
        &[],
        secs(30),
    );
    assert!(ok, "{text}");
    let v = "2024.11.25-2";
    let o = run(d, s, "staging", &["--release-version", v]);
    assert_eq!(o.status.code(), Some(3), "{}", out(&o));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("✔ health: 200"), "the smoke passed: {text}");
    assert!(text.contains("trigger log-errors tripped"), "{text}");
    wait_for(secs(30), "staging answers 2024.11.25-1 again", || {
        live_version(s.staging_port).as_deref() == Some("2024.11.25-1")
    });
    let (records, st) = d.latest();
    assert_eq!(st.phase, ReleasePhase::Finished(ReleaseOutcome::RolledBack));
    assert!(
        records
            .iter()
            .any(|r| r.kind.as_str() == "trigger-tripped"
                && r.data.to_string().contains("log-errors")),
        "journaled trip"
    );
    assert!(
        !records
            .iter()
            .any(|r| r.step.as_deref() == Some("notify-stakeholders")),
        "the trip rolled back before the stakeholders were told"
    );
    let tripped = s.hook.wait("trigger-tripped", v);
    assert_eq!(tripped["release"], "leversafe", "{tripped}");
    assert_eq!(tripped["environment"], "staging", "{tripped}");
    assert_eq!(tripped["step"], "log-watch", "{tripped}");
    let message = tripped["message"].as_str().unwrap_or_default();
    assert!(
        message.starts_with("trigger log-errors tripped"),
        "{tripped}"
    );
    s.hook.wait("rollback-armed", v);
    let done = s.hook.wait("release-rolled-back", v);
    assert_eq!(done["release"], "leversafe", "{done}");
    assert_eq!(done["environment"], "staging", "{done}");
    assert_eq!(done["release_id"], tripped["release_id"], "{done}");
    let (ok, text) = sh(
        d.path(),
        "git rm -q infra/docker/api/faults/ledger.log && \
         git -c user.name=Test -c user.email=test@example.invalid commit -qm 'revert ledger sync'",
        &[],
        secs(30),
    );
    assert!(ok, "{text}");
}

fn bad_commit_rolls_back(d: &Dir, s: &Setup) {
    let (ok, text) = sh(
        d.path(),
        "git rm -q infra/docker/api/www/health && \
         git -c user.name=Test -c user.email=test@example.invalid commit -qm 'drop /health'",
        &[],
        secs(30),
    );
    assert!(ok, "{text}");
    let o = run(d, s, "production", &["--release-version", "2024.11.26-1"]);
    assert_eq!(o.status.code(), Some(3), "{}", out(&o));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("rolling back: step `smoke` failed"), "{text}");
    wait_for(secs(30), "2024.11.25-1 answers again", || {
        live_version(s.port).as_deref() == Some("2024.11.25-1")
    });
    let (records, st) = d.latest();
    assert_eq!(st.phase, ReleasePhase::Finished(ReleaseOutcome::RolledBack));
    assert!(
        !records
            .iter()
            .any(|r| r.step.as_deref() == Some("notify-stakeholders")),
        "stakeholders are not told of a release that rolled back"
    );
    d.verify_latest();
    anchored_and_verified(d, s);
    // The on-call webhook heard it: the failed smoke, then the rolled-back release.
    let failed = s.hook.wait("step-failed", "2024.11.26-1");
    assert_eq!(failed["step"], "smoke", "{failed}");
    let done = s.hook.wait("release-rolled-back", "2024.11.26-1");
    assert_eq!(done["release"], "leversafe", "{done}");
}
