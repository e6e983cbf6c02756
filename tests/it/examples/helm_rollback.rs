//! `examples/helm-rollback` (seed 001) with real git and the `kubectl` / `helm` fixtures: the
//! deployed image captured, the previous tag by semver and the LKG from rc-/ga- tags, the
//! waiver approval, helm history as a revision source, the migrations on a real PostgreSQL;
//! then a bad 1.12.0 (its /health is down) whose smoke fails, and the rollback (helm rollback,
//! migrate:down) returns code and schema to the LKG 1.10.0: they agree, queried.

use flightdeck::release::{ReleaseOutcome, ReleasePhase};

use super::support::{
    PidFile, bin_dir, copy_example, fixture_path, get, git_init, secs, sh, wait_for,
};
use crate::postgres::Postgres;
use crate::run::{Dir, out};
use crate::watch::free_port;

const ANSWERS: &str = r#"
[approvals.migration-waiver]
name = "eng-director"
reason = "all migrations in this release are reversible (checked in PR #311)"

[evidence]
drill-record = "docs/releases/rollback-drills/2026-11-25.md"

[rollback]
confirm = "production"
"#;

fn path() -> String {
    format!("{}:{}", bin_dir().display(), fixture_path())
}

const PG_PASSWORD: &str = "backend-db-pass-2207";

fn run(d: &Dir, port: u16, pg_url: &str, version: &str) -> std::process::Output {
    d.cmd(&[
        "run",
        "--plain",
        "--answers",
        "answers.toml",
        "--operator",
        "alice",
        "--release-version",
        version,
        "--set",
        &format!("vars.port={port}"),
        "--set",
        &format!("vars.pg_url={pg_url}"),
    ])
    .env("PATH", path())
    .env("PGPASSWORD", PG_PASSWORD)
    .timeout(secs(120))
    .output()
    .unwrap()
}

fn live_version(port: u16) -> Option<String> {
    let body = get(port, "/api/system/version")?;
    let v: serde_json::Value = serde_json::from_str(body.trim()).ok()?;
    v["version"].as_str().map(str::to_owned)
}

/// The schema version recorded in the database.
fn schema(pg: &Postgres) -> String {
    pg.psql("backend", "select version from schema_version")
}

/// Every table with its columns: `orders(id,sku) schema_version(version)`.
fn tables(pg: &Postgres) -> String {
    pg.psql(
        "backend",
        "select string_agg(table_name || '(' || cols || ')', ' ' order by table_name) from \
         (select table_name, string_agg(column_name, ',' order by ordinal_position) cols \
          from information_schema.columns where table_schema = 'public' \
          group by table_name) t",
    )
}

#[test]
fn helm_rollback_releases_then_returns_to_the_lkg() {
    let Some(pg) = Postgres::start() else { return };
    pg.create_db("backend", "backend", PG_PASSWORD);
    let pg_url = format!("postgresql://backend@127.0.0.1:{}/backend", pg.port);
    let schema = || schema(&pg);
    let tables = || tables(&pg);
    let d = copy_example("helm-rollback");
    let _app = PidFile(d.path().join(".deploy/pid"));
    let port = free_port();
    d.write("answers.toml", ANSWERS);
    git_init(
        d.path(),
        &["v1.8.0", "v1.9.0", "ga-1.9.0", "v1.10.0", "rc-1.10.0"],
    );
    // 1.10.0 is what runs (helm revision 42), its schema applied.
    let (ok, text) = sh(
        d.path(),
        "scripts/deploy.sh 1.10.0 $PORT && scripts/migrate.sh up 1.10.0",
        &[
            ("PORT", port.to_string()),
            ("PATH", path()),
            ("DATABASE_URL", pg_url.clone()),
            ("PGPASSWORD", PG_PASSWORD.to_owned()),
        ],
        secs(60),
    );
    assert!(ok, "{text}");
    assert_eq!(live_version(port).as_deref(), Some("1.10.0"));
    assert_eq!(schema(), "1.10.0");

    let o = run(&d, port, &pg_url, "1.11.0");
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    let text = String::from_utf8_lossy(&o.stdout);
    // The seed's command (second-newest v tag, before this release is tagged) and flightdeck's
    // `previous` (the highest v tag below 1.11.0).
    assert!(text.contains("previous-tag │ v1.9.0"), "{text}");
    assert_eq!(live_version(port).as_deref(), Some("1.11.0"));
    assert_eq!(schema(), "1.11.0");
    assert_eq!(tables(), "orders(id,sku,quantity) schema_version(version)");
    let (records, st) = d.latest();
    assert_eq!(st.phase, ReleasePhase::Finished(ReleaseOutcome::Completed));
    let cap = |k: &str| st.captures.get(k).cloned();
    assert_eq!(cap("deployed_tag").as_deref(), Some("1.10.0"));
    assert_eq!(
        cap("deployed_image").as_deref(),
        Some("registry.example.com/acme/backend:1.10.0")
    );
    assert_eq!(cap("previous").as_deref(), Some("v1.10.0"));
    assert_eq!(cap("lkg").as_deref(), Some("rc-1.10.0"));
    let approval = records
        .iter()
        .find(|r| r.kind.as_str() == "approval")
        .expect("the waiver approval");
    assert_eq!(approval.data["name"], "eng-director");
    assert!(
        approval.data["reason"]
            .as_str()
            .is_some_and(|r| r.contains("reversible")),
        "{approval:?}"
    );
    d.verify_latest();

    // helm history as a revision source.
    let st = d
        .cmd(&["status", "--json", "--set", &format!("vars.port={port}")])
        .env("PATH", path())
        .timeout(secs(60))
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&st.stdout)
        .unwrap_or_else(|e| panic!("status --json: {e}\n{}", out(&st)));
    let helm = &json["revisions"]["sources"][0];
    assert_eq!(helm["name"], "helm", "{json}");
    assert_eq!(helm["rows"][0]["id"], "42", "{helm}");
    assert_eq!(helm["rows"][0]["status"], "deployed", "{helm}");
    assert_eq!(json["revisions"]["git"]["lkg"], "rc-1.10.0", "{json}");

    bad_1_12_0_returns_to_the_lkg(&d, port, &pg_url, &pg);
}

/// A bad 1.12.0: /health is down; the rollback returns code and schema to the LKG (rc-1.10.0).
fn bad_1_12_0_returns_to_the_lkg(d: &Dir, port: u16, pg_url: &str, pg: &Postgres) {
    let schema = || schema(pg);
    let tables = || tables(pg);
    std::fs::write(d.path().join("faults/1.12.0.down"), "").unwrap();
    let o = run(d, port, pg_url, "1.12.0");
    assert_eq!(o.status.code(), Some(3), "{}", out(&o));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("helm rollback backend 42"), "{text}");
    assert!(
        text.contains("Rollback was a success! Happy Helming!"),
        "{text}"
    );
    wait_for(secs(30), "the LKG 1.10.0 answers", || {
        live_version(port).as_deref() == Some("1.10.0")
    });
    assert!(
        text.contains("migrated up: schema 1.11.0 -> 1.12.0"),
        "{text}"
    );
    assert!(
        text.contains("applying db/migrations/1.12.0.down.sql")
            && text.contains("applying db/migrations/1.11.0.down.sql"),
        "both migrations above the LKG ran down: {text}"
    );
    // Code and schema agree on the LKG: the live version and the database's, queried.
    assert_eq!(
        schema(),
        live_version(port).unwrap(),
        "code and schema agree"
    );
    assert_eq!(schema(), "1.10.0");
    assert_eq!(
        tables(),
        "orders(id,sku) schema_version(version)",
        "the LKG's tables"
    );
    let (records, st) = d.latest();
    assert_eq!(st.phase, ReleasePhase::Finished(ReleaseOutcome::RolledBack));
    let confirmed = records
        .iter()
        .find(|r| r.kind.as_str() == "rollback-confirmed")
        .expect("confirmed");
    assert_eq!(confirmed.data["target"], "rc-1.10.0");
    d.verify_latest();
}
