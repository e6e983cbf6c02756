//! `examples/compose-prod` (seed 003) against real Docker, docker-compose v1 and PostgreSQL: a
//! baseline release 1.4.1; 1.4.2 without the operator's opt-in, refused by the migration guard
//! with nothing migrated; 1.4.2 opted in (preflight, `pg_dump`, guarded migration, deploy, smoke
//! with the schema queried, metrics with basic auth, digest captured and labelled); then a bad
//! build 1.5.0 whose `/ready` is missing: the smoke fails, the answers file confirms the
//! rollback, `pg_restore` puts the database back on 1.4.2 (queried) and the stack serves 1.4.2;
//! last, the same bad build with a restore that does nothing: the schema query fails the
//! rollback instead of passing it. Between the release and the bad build, 1.4.2 is released
//! again with a real registry (`pushed.rs`): pushed, and its repo digest recorded.
//!
//! Every run that reaches the `go` approval presents two pre-approvals signed with real test
//! keys of bob and carol (`flightdeck approve --pre`, `allowed_signers` written in the temp
//! copy); the operator is alice.

mod pushed;
mod rollback;

use flightdeck::release::{ReleaseOutcome, ReleasePhase};

use super::support::{
    ComposeCleanup, Tls, copy_example, docker_ready, fixture_path, get, git_init, secs, sh, unique,
    wait_for,
};
use super::team::Team;
use crate::postgres::Postgres;
use crate::run::{Dir, out};
use crate::watch::free_port;

struct Env {
    tls: Tls,
    pg: Postgres,
    project: String,
    image: String,
    app_port: u16,
    vars: Vec<(&'static str, String)>,
    team: Team,
}

fn env(d: &Dir, pg: Postgres) -> Env {
    let project = unique("fdex");
    let image = format!("{project}/backend");
    let app_port = free_port();
    let db_port = pg.port;
    pg.create_db("smartaccounting", "app", "db-pass-4471");
    let dir = d.path().display().to_string();
    let vars = vec![
        ("NODE_ENV", "production".to_owned()),
        (
            "DATABASE_URL",
            pg.url("smartaccounting", "app", "db-pass-4471"),
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
        team: Team::new(d.path()),
        tls: Tls::start(d.path(), 90),
        pg,
        project,
        image,
        app_port,
        vars,
    }
}

/// `run` with the operator's `ALLOW_PROD_MIGRATIONS=true` and the answers file that confirms a
/// rollback.
fn run(d: &Dir, e: &Env, extra: &[&str]) -> std::process::Output {
    run_with(d, e, extra, &[("ALLOW_PROD_MIGRATIONS", "true")])
}

/// `run` with `env` over the test's environment (`ANSWERS` names the answers file; a name
/// starting with `!` is removed from the environment).
fn run_with(d: &Dir, e: &Env, extra: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    let answers = env
        .iter()
        .find(|(k, _)| *k == "ANSWERS")
        .map_or("answers.toml", |(_, v)| *v);
    // The answers file, plus bob's and carol's pre-approvals of `go` for this version.
    let version = extra
        .iter()
        .position(|a| *a == "--release-version")
        .map_or("1.4.2", |i| extra[i + 1]);
    let mut text = std::fs::read_to_string(d.path().join(answers)).unwrap();
    text.push_str(
        &e.team
            .signed(d, &["bob", "carol"], version, "production", "go"),
    );
    let signed = e.team.path().join(answers);
    std::fs::write(&signed, text).unwrap();
    let answers = signed.to_str().unwrap();
    let key = e.team.key("alice");
    let sets = [
        format!("vars.project={}", e.project),
        format!("vars.image={}", e.image),
        format!("vars.app_port={}", e.app_port),
        format!("vars.db_port={}", e.pg.port),
        format!("vars.tls_address=127.0.0.1:{}", e.tls.port),
    ];
    let mut args = vec![
        "run",
        "--plain",
        "--answers",
        answers,
        "--operator",
        "alice",
        "--key",
        key.to_str().unwrap(),
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
    for (k, v) in env {
        match k.strip_prefix('!') {
            Some(k) => c.env_remove(k),
            None => c.env(k, v),
        };
    }
    c.output().unwrap()
}

/// The schema version recorded in the database.
fn schema(e: &Env) -> String {
    e.pg.psql("smartaccounting", "select version from schema_version")
}

/// The columns of table `invoices`, in order.
fn invoice_columns(e: &Env) -> String {
    e.pg.psql(
        "smartaccounting",
        "select string_agg(column_name, ',' order by ordinal_position) \
         from information_schema.columns where table_name = 'invoices'",
    )
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
    let Some(pg) = Postgres::start() else { return };
    let d = copy_example("compose-prod");
    let e = env(&d, pg);
    let _cleanup = ComposeCleanup {
        project: e.project.clone(),
        image: e.image.clone(),
    };
    git_init(d.path(), &["v1.4.1", "v1.4.2"]);
    d.write(
        "answers.toml",
        "[rollback]\nconfirm = \"production\"   # a failed step rolls back headless\n",
    );
    d.write("no-rollback.toml", "# a failed step stops the run\n");

    // Baseline: 1.4.1 is live, its migration applied.
    let o = run(&d, &e, &["--release-version", "1.4.1"]);
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    assert_eq!(live_version(e.app_port).as_deref(), Some("1.4.1"));
    assert_eq!(schema(&e), "1.4.1");

    guard_refuses_without_the_opt_in(&d, &e);
    release_1_4_2(&d, &e);
    pushed::release_1_4_2_pushed(&d, &e);
    rollback::bad_build_rolls_back(&d, &e);
    rollback::a_restore_that_did_nothing_fails_the_rollback(&d, &e);
}

/// 1.4.2 without `ALLOW_PROD_MIGRATIONS` in the operator's environment: the preflight names
/// it and the release stops before the backup; then with `ALLOW_PROD_MIGRATIONS=false`: the
/// migration script refuses, nothing is migrated, 1.4.1 keeps running.
fn guard_refuses_without_the_opt_in(d: &Dir, e: &Env) {
    let o = run_with(
        d,
        e,
        &[],
        &[
            ("!ALLOW_PROD_MIGRATIONS", ""),
            ("ANSWERS", "no-rollback.toml"),
        ],
    );
    assert_eq!(o.status.code(), Some(1), "{}", out(&o));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.lines()
            .any(|l| l.contains("✖ prod-env") && l.contains("ALLOW_PROD_MIGRATIONS")),
        "{text}"
    );
    assert!(text.contains("stopped: step `preflight` failed"), "{text}");
    assert!(
        !text.contains("backup │ $"),
        "no backup, no migration: {text}"
    );
    assert_eq!(schema(e), "1.4.1", "nothing migrated");

    let o = run_with(
        d,
        e,
        &["--abandon", "ALLOW_PROD_MIGRATIONS was not set"],
        &[
            ("ALLOW_PROD_MIGRATIONS", "false"),
            ("ANSWERS", "no-rollback.toml"),
        ],
    );
    assert_eq!(o.status.code(), Some(1), "{}", out(&o));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains(
            "migrations pending (1.4.1 -> 1.4.2) and ALLOW_PROD_MIGRATIONS is not true: aborting"
        ),
        "{text}"
    );
    assert!(text.contains("stopped: step `deploy` failed"), "{text}");
    assert_eq!(schema(e), "1.4.1", "nothing migrated");
    assert_eq!(invoice_columns(e), "id,number,amount_cents");
    assert_eq!(live_version(e.app_port).as_deref(), Some("1.4.1"));
    let (records, _) = d.latest();
    assert!(
        records.iter().any(|r| r.kind.as_str() == "step-finished"
            && r.step.as_deref() == Some("backup")
            && r.data["outcome"] == "succeeded"),
        "the backup ran before the guarded migration"
    );
}

/// The release of VERSION (1.4.2) with no registry configured: every gate passes, `push` says
/// it skips, the digest is the local image Id, labelled, and reported.
fn release_1_4_2(d: &Dir, e: &Env) {
    let o = run(
        d,
        e,
        &[
            "--abandon",
            "the guard refused: ALLOW_PROD_MIGRATIONS was false",
        ],
    );
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
    let digest = image_id_recorded(d, e, &st.captures, &text);
    let gate_ok = |id: &str| {
        records.iter().any(|r| {
            r.kind.as_str() == "gate-result" && r.data["gate"] == id && r.data["state"] == "pass"
        })
    };
    for g in [
        "prod-env",
        "db",
        "db-auth",
        "tls",
        "backup-dir",
        "wal-dir",
        "fresh-backup",
        "version",
        "ready",
        "metrics",
        "schema",
    ] {
        assert!(gate_ok(g), "gate {g} passed in the journal");
    }
    // The go: two signed approvals, neither the operator's.
    let approvals: Vec<_> = records
        .iter()
        .filter(|r| r.kind.as_str() == "approval" && r.step.as_deref() == Some("go"))
        .map(|r| {
            (
                r.data["name"].as_str().unwrap().to_owned(),
                r.data["source"].clone(),
            )
        })
        .collect();
    assert_eq!(
        approvals,
        [
            ("bob".to_owned(), serde_json::json!("signed")),
            ("carol".to_owned(), serde_json::json!("signed"))
        ]
    );
    assert_eq!(
        schema(e),
        "1.4.2",
        "migrated under ALLOW_PROD_MIGRATIONS=true"
    );
    assert_eq!(invoice_columns(e), "id,number,amount_cents,due_date");
    d.verify_latest();
    let rep = d.cmd(&["report"]).timeout(secs(30)).output().unwrap();
    assert_eq!(rep.status.code(), Some(0), "{}", out(&rep));
    let report = String::from_utf8_lossy(&rep.stdout);
    assert!(
        report.contains(&digest),
        "the digest is in the report:\n{report}"
    );
    assert!(
        report.contains("bob (SHA256:") && report.contains("✔ signature verified"),
        "the approvals are in the report, verified:\n{report}"
    );
}

/// Built here and never pushed (no registry set): the push was skipped and the digest recorded
/// is the local image Id, labelled `image id`, as Docker has it with no repo digest. The digest.
fn image_id_recorded(
    d: &Dir,
    e: &Env,
    captures: &std::collections::BTreeMap<String, String>,
    text: &str,
) -> String {
    let digest = captures.get("digest").cloned().expect("digest captured");
    assert!(
        digest.starts_with("sha256:") && digest.len() == 71,
        "{digest}"
    );
    let (ok, inspect) = sh(
        d.path(),
        &format!(
            "docker image inspect --format '{{{{.Id}}}} [{{{{range .RepoDigests}}}}{{{{.}}}}{{{{end}}}}]' {}:1.4.2",
            e.image
        ),
        &[],
        secs(30),
    );
    assert!(
        ok && inspect.trim() == format!("{digest} []"),
        "{inspect} vs {digest}"
    );
    assert_eq!(
        captures.get("digest_kind").map(String::as_str),
        Some("image id")
    );
    for want in [
        "push skipped: no registry configured (vars.registry is empty)",
        "(image id: ",
        "has no repo digest)",
    ] {
        assert!(text.contains(want), "{want}: {text}");
    }
    digest
}
