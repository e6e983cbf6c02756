//! `{{ previous }}` passes over a release tag whose latest release of this runbook in this
//! environment was rolled back (the journals of the state dir); `plan` says which it skipped.
//! A real git repository (tags v1.0.0 and v1.1.0) and headless releases of the binary.

use std::process::Command as Std;

use flightdeck::release::{ReleaseOutcome, ReleasePhase};

use crate::run::{Dir, out};

const RUNBOOK: &str = r#"
[release]
name = "app"
environment = "staging"
version = "1.2.0"

[environments.staging]
protected = false

[environments.production]
protected = false

[git]
path = "."
release_tags = "v*"

[[steps]]
id = "deploy"
kind = "run"
run = "echo deploying {{ version }} over {{ previous }}; test -f fail-{{ version }} && exit 7; echo deployed"

[[rollback.steps]]
kind = "run"
run = "echo rolling back to {{ rollback.version }}"
"#;

fn git(d: &Dir, args: &[&str]) {
    let o = Std::new("git")
        .current_dir(d.path())
        .args([
            "-c",
            "user.name=Test",
            "-c",
            "user.email=test@example.invalid",
        ])
        .args(args)
        .output()
        .expect("git runs");
    assert!(o.status.success(), "git {args:?}: {}", out(&o));
}

fn setup() -> Dir {
    let d = Dir::new(RUNBOOK);
    d.write(".gitignore", ".flightdeck/\nfail-*\nanswers-*.toml\n");
    for env in ["staging", "production"] {
        d.write(
            &format!("answers-{env}.toml"),
            &format!("[rollback]\nconfirm = \"{env}\"\n"),
        );
    }
    git(&d, &["init", "-q", "-b", "main"]);
    git(&d, &["add", "-A"]);
    git(&d, &["commit", "-qm", "1.0.0"]);
    git(&d, &["tag", "-a", "v1.0.0", "-m", "v1.0.0"]);
    git(&d, &["commit", "-q", "--allow-empty", "-m", "1.1.0"]);
    git(&d, &["tag", "-a", "v1.1.0", "-m", "v1.1.0"]);
    d
}

/// A headless release of `version` in `env`; with `fail`, its deploy fails and it rolls back.
fn release(
    d: &Dir,
    env: &str,
    version: &str,
    fail: bool,
) -> (String, flightdeck::release::ReleaseState) {
    let marker = d.path().join(format!("fail-{version}"));
    if fail {
        std::fs::write(&marker, "").expect("write");
    } else {
        let _ = std::fs::remove_file(&marker);
    }
    let answers = format!("answers-{env}.toml");
    let o = d
        .cmd(&[
            "run",
            "--plain",
            "--env",
            env,
            "--release-version",
            version,
            "--answers",
            &answers,
        ])
        .env("RUST_BACKTRACE", "0")
        .output()
        .expect("runs");
    assert_eq!(
        o.status.code(),
        Some(if fail { 3 } else { 0 }),
        "{}",
        out(&o)
    );
    let (_, st) = d.latest();
    let want = if fail {
        ReleaseOutcome::RolledBack
    } else {
        ReleaseOutcome::Completed
    };
    assert_eq!(st.phase, ReleasePhase::Finished(want), "{}", out(&o));
    assert_eq!(
        (st.version.as_str(), st.environment.as_str()),
        (version, env)
    );
    (String::from_utf8_lossy(&o.stdout).into_owned(), st)
}

fn plan(d: &Dir, env: &str, version: &str) -> String {
    let o = d
        .cmd(&["plan", "--env", env, "--release-version", version])
        .env("RUST_BACKTRACE", "0")
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn previous_passes_over_a_version_rolled_back_in_this_environment() {
    let d = setup();

    // Production rolls 1.1.0 back: staging's `previous` is not affected.
    let (text, prod) = release(&d, "production", "1.1.0", true);
    assert!(text.contains("deploying 1.1.0 over v1.0.0"), "{text}");
    let p = plan(&d, "staging", "1.2.0");
    assert!(p.contains("· previous v1.1.0 ·"), "{p}");
    assert!(!p.contains("skipped"), "{p}");
    assert!(p.contains("target v1.1.0"), "{p}");
    // In production it is passed over, and plan says why.
    let p = plan(&d, "production", "1.2.0");
    assert!(p.contains("· previous v1.0.0 ·"), "{p}");
    assert!(
        p.contains(&format!(
            "previous v1.0.0 (skipped v1.1.0: rolled back in release {} at ",
            prod.release_id
        )),
        "{p}"
    );
    assert!(p.contains("target v1.0.0"), "the rollback target too: {p}");

    // Staging rolls 1.1.0 back too: 1.2.0's release starts with previous = v1.0.0.
    let (_, back) = release(&d, "staging", "1.1.0", true);
    let p = plan(&d, "staging", "1.2.0");
    assert!(
        p.contains(&format!(
            "previous v1.0.0 (skipped v1.1.0: rolled back in release {} at ",
            back.release_id
        )),
        "{p}"
    );
    let (text, st) = release(&d, "staging", "1.2.0", false);
    assert_eq!(st.previous.as_deref(), Some("v1.0.0"), "{text}");
    assert!(text.contains("deploying 1.2.0 over v1.0.0"), "{text}");

    // 1.1.0 released again in staging, completed: the latest release wins, it is good again.
    release(&d, "staging", "1.1.0", false);
    let p = plan(&d, "staging", "1.2.0");
    assert!(p.contains("· previous v1.1.0 ·"), "{p}");
    assert!(!p.contains("skipped"), "{p}");
    let (text, st) = release(&d, "staging", "1.2.0", false);
    assert_eq!(st.previous.as_deref(), Some("v1.1.0"), "{text}");
    assert!(text.contains("deploying 1.2.0 over v1.1.0"), "{text}");
    // Production still passes over it.
    let p = plan(&d, "production", "1.2.0");
    assert!(p.contains("· previous v1.0.0 ·"), "{p}");
}

#[test]
fn a_version_tag_with_no_journal_is_kept() {
    let d = setup();
    let p = plan(&d, "staging", "1.2.0");
    assert!(p.contains("· previous v1.1.0 ·"), "{p}");
    assert!(!p.contains("skipped"), "{p}");
}
