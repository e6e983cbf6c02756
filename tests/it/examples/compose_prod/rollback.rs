//! Seed 003's rollback, for real: a bad build 1.5.0 whose smoke fails is rolled back
//! (`pg_restore` puts the database back, queried), then the same with a restore that does
//! nothing, which the rollback's schema query catches.

use super::*;

/// A bad build 1.5.0: /ready is missing, the smoke fails, the rollback runs.
pub(super) fn bad_build_rolls_back(d: &Dir, e: &Env) {
    std::fs::remove_file(d.path().join("app/www/ready")).unwrap();
    let o = run(d, e, &["--release-version", "1.5.0"]);
    assert_eq!(o.status.code(), Some(3), "{}", out(&o));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("ready: 404"), "{text}");
    assert!(text.contains("rolling back: step `smoke` failed"), "{text}");
    assert!(text.contains("migrated schema 1.4.2 -> 1.5.0"), "{text}");
    wait_for(secs(30), "1.4.2 answers again", || {
        live_version(e.app_port).as_deref() == Some("1.4.2")
    });
    assert_eq!(schema(e), "1.4.2", "the database is back on 1.4.2's schema");
    assert_eq!(
        invoice_columns(e),
        "id,number,amount_cents,due_date",
        "1.5.0's column is gone"
    );
    assert_eq!(
        e.pg.psql("smartaccounting", "select count(*) from invoices"),
        "2"
    );
    let (records, st) = d.latest();
    assert_eq!(st.phase, ReleasePhase::Finished(ReleaseOutcome::RolledBack));
    // The restore used this release's own dump (captured by `backup`), not any older one.
    let dump = st.captures.get("backup").cloned().expect("backup captured");
    assert!(
        std::path::Path::new(&dump)
            .extension()
            .is_some_and(|x| x == "dump")
            && text.contains(&format!("restoring {dump}")),
        "{dump}: {text}"
    );
    let confirmed = records
        .iter()
        .find(|r| r.kind.as_str() == "rollback-confirmed")
        .expect("confirmed");
    assert_eq!(confirmed.data["target"], "v1.4.2");
    for step in ["db-restore", "db-verify", "code-rollback", "rollback-smoke"] {
        assert!(
            records.iter().any(|r| r.kind.as_str() == "step-finished"
                && r.step.as_deref() == Some(step)
                && r.data["outcome"] == "succeeded"),
            "rollback step {step} succeeded"
        );
    }
    d.verify_latest();
}

/// The bad build again, with a `pg_restore` that does nothing (first on PATH): the database
/// stays on 1.5.0, and the rollback's schema query fails instead of passing.
pub(super) fn a_restore_that_did_nothing_fails_the_rollback(d: &Dir, e: &Env) {
    let fake = d.path().join("noop-bin");
    std::fs::create_dir_all(&fake).unwrap();
    let script = fake.join("pg_restore");
    std::fs::write(
        &script,
        "#!/bin/sh\necho \"pg_restore: (a restore that did nothing)\"\n",
    )
    .unwrap();
    std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let path = format!("{}:{}", fake.display(), fixture_path());
    let o = run_with(
        d,
        e,
        &["--release-version", "1.5.0"],
        &[("ALLOW_PROD_MIGRATIONS", "true"), ("PATH", &path)],
    );
    assert_ne!(o.status.code(), Some(0), "{}", out(&o));
    assert_ne!(o.status.code(), Some(3), "not rolled back: {}", out(&o));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("a restore that did nothing"), "{text}");
    assert_eq!(schema(e), "1.5.0", "the restore did nothing");
    let (records, _) = d.latest();
    assert!(
        records.iter().any(|r| r.kind.as_str() == "gate-result"
            && r.data["gate"] == "schema-previous"
            && r.data["state"] == "fail"),
        "the schema query failed the rollback"
    );
    assert!(
        !records.iter().any(
            |r| r.kind.as_str() == "step-started" && r.step.as_deref() == Some("code-rollback")
        ),
        "the code rollback waits for the database"
    );
}
