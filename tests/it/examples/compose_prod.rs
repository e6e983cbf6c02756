//! `examples/compose-prod` (seed 003) against real Docker and docker-compose v1: a baseline
//! release 1.4.1, the release 1.4.2 (preflight, backup, guarded deploy, smoke, metrics with
//! basic auth, digest captured), then a bad build 1.5.0 whose `/ready` is missing: the smoke
//! fails, the answers file confirms the rollback, and the stack is back on 1.4.2 with the
//! database restored from the backup.

use flightdeck::release::{ReleaseOutcome, ReleasePhase};

use super::support::{
    ComposeCleanup, Tls, copy_example, docker_ready, fixture_path, get, git_init, secs, sh, unique,
    wait_for,
};
use crate::run::{Dir, out};
use crate::watch::free_port;

struct Env {
    tls: Tls,
    project: String,
    image: String,
    app_port: u16,
    db_port: u16,
    vars: Vec<(&'static str, String)>,
}

fn env(d: &Dir) -> Env {
    let project = unique("fdex");
    let image = format!("{project}/backend");
    let (app_port, db_port) = (free_port(), free_port());
    let dir = d.path().display().to_string();
    let vars = vec![
        ("NODE_ENV", "production".to_owned()),
        (
            "DATABASE_URL",
            format!("postgres://app:db-pass-4471@127.0.0.1:{db_port}/smartaccounting"),
        ),
        ("JWT_SECRET", "jwt-secret-9be1".to_owned()),
        ("FRONTEND_URL", "http://127.0.0.1".to_owned()),
        ("CLIENT_URL", "http://127.0.0.1".to_owned()),
        ("CORS_ORIGIN", "http://127.0.0.1".to_owned()),
        ("BACKUP_PASSPHRASE", "backup-pass-5532".to_owned()),
        ("ALLOW_PROD_MIGRATIONS", "false".to_owned()),
        ("BACKUP_DIR", format!("{dir}/backups")),
        ("WAL_ARCHIVE_DIR", format!("{dir}/wal")),
        ("METRICS_BASIC_AUTH_PASS", "metrics-pass-8812".to_owned()),
        ("PROJECT", project.clone()),
        ("IMAGE", image.clone()),
        ("TAG", "none".to_owned()),
        ("DB_PORT", db_port.to_string()),
        ("APP_PORT", app_port.to_string()),
    ];
    Env {
        tls: Tls::start(d.path(), 90),
        project,
        image,
        app_port,
        db_port,
        vars,
    }
}

fn run(d: &Dir, e: &Env, extra: &[&str]) -> std::process::Output {
    let sets = [
        format!("vars.project={}", e.project),
        format!("vars.image={}", e.image),
        format!("vars.app_port={}", e.app_port),
        format!("vars.db_port={}", e.db_port),
        format!("vars.tls_address=127.0.0.1:{}", e.tls.port),
    ];
    let mut args = vec![
        "run",
        "--plain",
        "--answers",
        "answers.toml",
        "--operator",
        "alice",
    ];
    for s in &sets {
        args.extend(["--set", s.as_str()]);
    }
    args.extend(extra);
    let mut c = d.cmd(&args);
    c.env("PATH", fixture_path())
        .env("SSL_CERT_FILE", &e.tls.ca)
        .env_remove("SSL_CERT_DIR")
        .timeout(secs(240));
    for (k, v) in &e.vars {
        c.env(k, v);
    }
    c.output().unwrap()
}

fn live_version(port: u16) -> Option<String> {
    let body = get(port, "/api/system/version")?;
    let v: serde_json::Value = serde_json::from_str(body.trim()).ok()?;
    v["version"].as_str().map(str::to_owned)
}

#[test]
fn compose_prod_releases_then_rolls_back_a_bad_build() {
    if !docker_ready() {
        return;
    }
    let d = copy_example("compose-prod");
    let e = env(&d);
    let _cleanup = ComposeCleanup {
        project: e.project.clone(),
        image: e.image.clone(),
    };
    git_init(d.path(), &["v1.4.1", "v1.4.2"]);
    d.write(
        "answers.toml",
        "[rollback]\nconfirm = \"production\"   # a failed step rolls back headless\n",
    );
    // The database (postgres stand-in) is already running in production.
    let (ok, text) = sh(
        d.path(),
        "cp /bin/busybox db/busybox && docker-compose -p \"$PROJECT\" -f docker-compose.prod.yml up -d --build db",
        &e.vars,
        secs(180),
    );
    assert!(ok, "db up: {text}");

    // Baseline: 1.4.1 is live.
    let o = run(&d, &e, &["--release-version", "1.4.1"]);
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    assert_eq!(live_version(e.app_port).as_deref(), Some("1.4.1"));

    release_1_4_2(&d, &e);
    bad_build_rolls_back(&d, &e);
}

/// The release of VERSION (1.4.2): every gate passes, the digest is captured and reported.
fn release_1_4_2(d: &Dir, e: &Env) {
    let o = run(d, e, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("✔ metrics: 200"), "{text}");
    assert!(
        !text.contains("db-pass-4471") && !text.contains("metrics-pass-8812"),
        "secrets are masked: {text}"
    );
    assert_eq!(live_version(e.app_port).as_deref(), Some("1.4.2"));
    let (records, st) = d.latest();
    assert_eq!(st.phase, ReleasePhase::Finished(ReleaseOutcome::Completed));
    let digest = st.captures.get("digest").cloned().expect("digest captured");
    assert!(
        digest.starts_with("sha256:") && digest.len() == 71,
        "{digest}"
    );
    let (ok, inspect) = sh(
        d.path(),
        &format!(
            "docker image inspect --format '{{{{.Id}}}}' {}:1.4.2",
            e.image
        ),
        &[],
        secs(30),
    );
    assert!(ok && inspect.trim() == digest, "{inspect} vs {digest}");
    let gate_ok = |id: &str| {
        records.iter().any(|r| {
            r.kind.as_str() == "gate-result" && r.data["gate"] == id && r.data["state"] == "pass"
        })
    };
    for g in [
        "prod-env",
        "db",
        "tls",
        "backup-dir",
        "wal-dir",
        "fresh-backup",
        "version",
        "ready",
        "metrics",
    ] {
        assert!(gate_ok(g), "gate {g} passed in the journal");
    }
    assert_eq!(
        std::fs::read_to_string(d.path().join("data/schema"))
            .unwrap()
            .trim(),
        "1.4.2",
        "migrated under ALLOW_PROD_MIGRATIONS=true"
    );
    d.verify_latest();
    let rep = d.cmd(&["report"]).timeout(secs(30)).output().unwrap();
    assert_eq!(rep.status.code(), Some(0), "{}", out(&rep));
    let report = String::from_utf8_lossy(&rep.stdout);
    assert!(
        report.contains(&digest),
        "the digest is in the report:\n{report}"
    );
}

/// A bad build 1.5.0: /ready is missing, the smoke fails, the rollback runs.
fn bad_build_rolls_back(d: &Dir, e: &Env) {
    std::fs::remove_file(d.path().join("app/www/ready")).unwrap();
    let o = run(d, e, &["--release-version", "1.5.0"]);
    assert_eq!(o.status.code(), Some(3), "{}", out(&o));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("ready: 404"), "{text}");
    assert!(text.contains("rolling back: step `smoke` failed"), "{text}");
    wait_for(secs(30), "1.4.2 answers again", || {
        live_version(e.app_port).as_deref() == Some("1.4.2")
    });
    assert_eq!(
        std::fs::read_to_string(d.path().join("data/schema"))
            .unwrap()
            .trim(),
        "1.4.2",
        "the database is back on 1.4.2's schema"
    );
    let (records, st) = d.latest();
    assert_eq!(st.phase, ReleasePhase::Finished(ReleaseOutcome::RolledBack));
    let confirmed = records
        .iter()
        .find(|r| r.kind.as_str() == "rollback-confirmed")
        .expect("confirmed");
    assert_eq!(confirmed.data["target"], "v1.4.2");
    for step in ["db-restore", "code-rollback", "rollback-smoke"] {
        assert!(
            records.iter().any(|r| r.kind.as_str() == "step-finished"
                && r.step.as_deref() == Some(step)
                && r.data["outcome"] == "succeeded"),
            "rollback step {step} succeeded"
        );
    }
    d.verify_latest();
}
