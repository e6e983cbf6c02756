//! `examples/release-process` (seed 004): one runbook, staging then production, each with its
//! own PostgreSQL database. Production is refused until staging completed the version
//! (`release` gate); 1.1.0 goes through staging and production (backup, migration, schema
//! queried) and is tagged; 1.2.0 passes staging, then trips the error-rate trigger (real
//! Prometheus) in production, is rolled back to 1.1.0 with its migration down (queried), and
//! `report --incident` tells the story. Then 1.2.1 with a slow `/slow` trips the p99 trigger
//! (a percentile of 100 timed requests), and 1.2.2 whose `/health` goes down during the watch
//! trips the health trigger; each is rolled back.
//!
//! Every final approval is signed by two test keys (bob and carol, `flightdeck approve --pre`);
//! the operator alice's own pre-approval is refused. The operator seals the journal; the tags
//! and the anchors `refs/flightdeck/<release-id>` are pushed to a bare `origin` over the test
//! sshd, and `journal verify` checks them there. A receiver on 127.0.0.1 is `RELEASE_WEBHOOK`:
//! it gets `approval-waiting`, and for every trip `trigger-tripped`, `rollback-armed` and
//! `release-rolled-back`.

mod trips;

use std::path::Path;

use flightdeck::release::{ReleaseOutcome, ReleasePhase};

use crate::postgres::Postgres;

use super::support::{
    PidFile, bin_dir, copy_example, fixture_path, get, git_init, prometheus, prometheus_ready,
    secs, sh, wait_for,
};
use super::team::{Origin, Receiver, Team};
use crate::run::{Dir, out};
use crate::watch::free_port;

const ANSWERS: &str = r#"
[evidence]
m2-tasks = "M2 board: 14/14 done; LKGC streak 5 (tier 2 needs 3)"
blockers = "none open in the M2 milestone"
monitoring-setup = "M2 Grafana board; PagerDuty and Slack alerts on; logs streaming to Loki"

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
    pg: Postgres,
    team: Team,
    origin: Origin,
    hook: Receiver,
}

const PG_PASSWORD: &str = "m2-db-pass-7731";

impl Setup {
    /// The database URL of `env` (its password comes from PGPASSWORD).
    fn pg_url(&self, env: &str) -> String {
        format!("postgresql://m2@127.0.0.1:{}/m2_{env}", self.pg.port)
    }

    /// The schema version recorded in `env`'s database.
    fn schema(&self, env: &str) -> String {
        self.pg
            .psql(&format!("m2_{env}"), "select version from schema_version")
    }

    /// The columns of `env`'s table `accounts`, in order.
    fn columns(&self, env: &str) -> String {
        self.pg.psql(
            &format!("m2_{env}"),
            "select string_agg(column_name, ',' order by ordinal_position) \
             from information_schema.columns where table_name = 'accounts'",
        )
    }
}

/// `run` with bob's and carol's pre-approvals for the version of `extra`, confirming a rollback.
fn run(d: &Dir, s: &Setup, env: &str, extra: &[&str]) -> std::process::Output {
    run_with(d, s, env, extra, true, &["bob", "carol"])
}

/// `run` with the answers file; `confirm`: whether it confirms a rollback of a failed step;
/// `signers`: whose pre-approvals of `final-approval` it lists (made now, for this version).
fn run_with(
    d: &Dir,
    s: &Setup,
    env: &str,
    extra: &[&str],
    confirm: bool,
    signers: &[&str],
) -> std::process::Output {
    let port = if env == "staging" { s.staging } else { s.prod };
    let version = extra
        .iter()
        .position(|a| *a == "--release-version")
        .map_or("1.2.0", |i| extra[i + 1]);
    // The answers live outside the repository (the `clean-tree` gate); each confirms its env.
    let file = Path::new(&s.answers).with_extension(format!("{env}.toml"));
    let mut answers = ANSWERS.replace("\"production\"", &format!("\"{env}\""));
    if !confirm {
        answers = answers
            .replace("[rollback]", "")
            .replace("confirm = ", "# confirm = ");
    }
    if !signers.is_empty() {
        answers.push_str(&s.team.signed(d, signers, version, env, "final-approval"));
    }
    std::fs::write(&file, answers).unwrap();
    let sets = [
        format!("vars.port={port}"),
        format!("vars.prometheus=http://127.0.0.1:{}", s.prom),
        format!("vars.pg_url={}", s.pg_url(env)),
        // p99 over the last 15 s of the latency histogram (scraped every second).
        "vars.p99_window=15s".to_owned(),
    ];
    let key = s.team.key("alice");
    let mut args = vec!["run", "--plain", "--env", env, "--operator", "alice"];
    args.extend(["--key", key.to_str().unwrap()]);
    args.extend(["--answers", file.to_str().unwrap()]);
    for v in &sets {
        args.extend(["--set", v.as_str()]);
    }
    args.extend(extra);
    let path = format!("{}:{}", bin_dir().display(), fixture_path());
    let mut c = d.cmd(&args);
    c.env("PATH", path)
        .env("PGPASSWORD", PG_PASSWORD)
        .env("GIT_SSH_COMMAND", s.origin.ssh_command())
        .env("RELEASE_WEBHOOK", s.hook.url())
        .timeout(secs(180));
    c.output().unwrap()
}

/// `flightdeck journal verify` of the latest release (seals against `allowed_signers`, the
/// approvals' signatures, and the anchors fetched from origin).
fn verify(d: &Dir, s: &Setup) {
    let v = d
        .cmd(&["journal", "verify", "latest"])
        .env("GIT_SSH_COMMAND", s.origin.ssh_command())
        .timeout(secs(60))
        .output()
        .unwrap();
    assert_eq!(v.status.code(), Some(0), "{}", out(&v));
    let text = String::from_utf8_lossy(&v.stdout);
    assert!(text.contains("✔ signature verified"), "{text}");
}

/// The latest release's anchor ref reached origin.
fn anchored(d: &Dir, s: &Setup) {
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
    assert!(name.starts_with("refs/flightdeck/m2-platform-"), "{name}");
    assert!(s.origin.has(name), "{name} is on origin");
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
    if !prometheus_ready() || !crate::skip::need(crate::skip::Component::Curl) {
        return;
    }
    let Some(pg) = Postgres::start() else { return };
    pg.create_db("m2_production", "m2", PG_PASSWORD);
    pg.psql("postgres", "create database m2_staging owner m2");
    let d = copy_example("release-process");
    let team = Team::new(d.path());
    d.write("baseline.toml", BASELINE);
    git_init(d.path(), &["v1.0.0"]);
    let Some(origin) = Origin::add(d.path()) else {
        return;
    };
    let side = tempfile::tempdir().unwrap();
    let _prod_app = PidFile(d.path().join(".deploy/production/pid"));
    let _staging_app = PidFile(d.path().join(".deploy/staging/pid"));
    let s = Setup {
        prod: free_port(),
        staging: free_port(),
        prom: free_port(),
        answers: side.path().join("answers").display().to_string(),
        pg,
        team,
        origin,
        hook: Receiver::start(),
    };
    let _prom = prometheus(
        &side.path().join("prom"),
        s.prom,
        &[("m2-platform", s.prod), ("m2-platform-staging", s.staging)],
    );
    for (env, port) in [("staging", s.staging), ("production", s.prod)] {
        let o = run_baseline(&d, env, port, &s);
        assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    }
    assert_eq!(live_version(s.prod).as_deref(), Some("1.0.0"));

    // Production before staging is refused by the release gate.
    let o = run_with(
        &d,
        &s,
        "production",
        &["--release-version", "1.1.0"],
        false,
        &[],
    );
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
    production_1_1_0(&d, &s);
    trips::production_1_2_0_rolls_back(&d, &s);
    // 1.2.0's fault ends (its staging service still ran with it).
    std::fs::remove_file(d.path().join("faults/1.2.0")).unwrap();
    trips::p99_trips(&d, &s);
    trips::health_trips(&d, &s);
}

/// Production of 1.1.0: alice's own pre-approval is refused; bob's and carol's pass; the tags
/// reach origin, the journal is anchored there and verifies.
fn production_1_1_0(d: &Dir, s: &Setup) {
    // The operator's own pre-approval is refused (separation of duties): nothing deployed.
    let o = run_with(
        d,
        s,
        "production",
        &["--release-version", "1.1.0", "--set", "vars.watch=5s"],
        false,
        &["alice", "bob"],
    );
    assert_eq!(o.status.code(), Some(1), "{}", out(&o));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("`alice` is the operator of this release and cannot approve it"),
        "{text}"
    );
    assert!(
        text.contains("stopped: step `final-approval` failed"),
        "{text}"
    );
    assert_eq!(live_version(s.prod).as_deref(), Some("1.0.0"));
    let (records, _) = d.latest();
    assert!(
        !records.iter().any(|r| r.kind.as_str() == "approval"),
        "nothing counted"
    );
    s.hook.wait("approval-waiting", "1.1.0");
    let o = run(
        d,
        s,
        "production",
        &[
            "--release-version",
            "1.1.0",
            "--set",
            "vars.watch=5s",
            "--abandon",
            "alice cannot approve her own release",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("✔ staging-done: m2-platform 1.1.0 in staging completed"),
        "{text}"
    );
    assert!(text.contains("✔ error-rate: 0"), "{text}");
    // Under normal load (synthetic traffic, scrapes) the histogram's p99 is far below 2 s.
    let p99 = trips::measured(&text, "p99");
    assert!(p99 < 0.5, "p99 {p99}: {text}");
    assert!(text.contains("✔ scraped: 1"), "{text}");
    assert_eq!(live_version(s.prod).as_deref(), Some("1.1.0"));
    assert_eq!(s.schema("production"), "1.1.0");
    assert_eq!(s.schema("staging"), "1.1.0");
    assert_eq!(s.columns("production"), "id,email");
    let t = tags(d);
    assert!(
        t.contains("staging-v1.1.0") && t.contains("\nv1.1.0"),
        "{t}"
    );
    for tag in ["refs/tags/staging-v1.1.0", "refs/tags/v1.1.0"] {
        assert!(s.origin.has(tag), "{tag} was pushed to origin");
    }
    let (records, st) = d.latest();
    assert_eq!(st.phase, ReleasePhase::Finished(ReleaseOutcome::Completed));
    // The tag waited for the background watch (`wait_for`): it started after `monitor` ended.
    let at = |kind: &str, step: &str| {
        records
            .iter()
            .position(|r| r.kind.as_str() == kind && r.step.as_deref() == Some(step))
            .unwrap_or_else(|| panic!("no {kind} of {step}"))
    };
    assert!(
        at("step-finished", "monitor") < at("step-started", "tag"),
        "tagged only after the watch passed"
    );
    let approvers: Vec<_> = records
        .iter()
        .filter(|r| r.kind.as_str() == "approval")
        .map(|r| (r.data["name"].clone(), r.data["source"].clone()))
        .collect();
    assert_eq!(
        approvers,
        [
            (serde_json::json!("bob"), serde_json::json!("signed")),
            (serde_json::json!("carol"), serde_json::json!("signed"))
        ]
    );
    d.verify_latest();
    anchored(d, s);
    verify(d, s);
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
