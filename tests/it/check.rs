//! `check` against the runbook corpus: every file in `tests/runbooks/valid` loads cleanly, and
//! every file in `tests/runbooks/invalid` reports exactly the diagnostics its `# expect:` lines
//! list (from `LINE:COL:` onwards), in order.

use std::path::{Path, PathBuf};
use std::time::Duration;

use flightdeck::runbook::{
    self, Dur, GateKind, RollbackTarget, StepKind, check_file, load_file, load_str,
};

fn corpus(kind: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/runbooks")
        .join(kind);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    files
}

/// The `# expect: …` lines at the top of a file.
fn expectations(path: &Path) -> Vec<String> {
    let src = std::fs::read_to_string(path).expect("readable corpus file");
    src.lines()
        .filter_map(|l| l.strip_prefix("# expect: "))
        .map(str::to_string)
        .collect()
}

#[test]
fn valid_runbooks_load_without_any_diagnostic() {
    let files = corpus("valid");
    assert!(files.len() >= 6, "only {} valid runbooks", files.len());
    let mut failures = Vec::new();
    for path in &files {
        let report = check_file(path);
        let lines = report.render_lines();
        if !report.is_ok() || lines.len() != 1 || !lines[0].starts_with("ok: ") {
            failures.push(lines.join("\n"));
        }
    }
    assert!(
        failures.is_empty(),
        "valid runbooks with diagnostics:\n{}",
        failures.join("\n")
    );
}

#[test]
fn invalid_corpus_has_at_least_28_mistakes() {
    let files = corpus("invalid");
    assert!(files.len() >= 28, "only {} invalid runbooks", files.len());
    for path in &files {
        assert!(
            !expectations(path).is_empty(),
            "{} has no `# expect:` line",
            path.display()
        );
    }
}

#[test]
fn invalid_runbooks_report_exactly_what_they_expect() {
    let mut mismatches = Vec::new();
    for path in corpus("invalid") {
        let report = check_file(&path);
        let prefix = format!("{}:", report.file);
        let got: Vec<String> = report
            .render_lines()
            .iter()
            .map(|l| l.strip_prefix(&prefix).unwrap_or(l).to_string())
            .collect();
        let want = expectations(&path);
        if report.is_ok() || got != want {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            mismatches.push(format!(
                "{name}\n  expected:\n    {}\n  got:\n    {}",
                want.join("\n    "),
                got.join("\n    ")
            ));
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} mismatches:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
}

#[test]
fn ok_line_counts_steps_gates_and_rollback_steps() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/runbooks/valid/seed003-compose-prod.toml");
    let report = check_file(&path);
    let s = report.summary.unwrap();
    assert_eq!((s.steps, s.gates, s.rollback_steps), (6, 11, 3));
    let line = report.render_lines().pop().unwrap();
    assert_eq!(
        line,
        format!(
            "ok: {} — 6 steps, 11 gates, 3 rollback steps",
            path.display()
        )
    );
}

#[test]
fn unreadable_file_is_reported() {
    let failure = load_file(Path::new("no/such/runbook.toml")).unwrap_err();
    let lines = failure.render_lines("no/such/runbook.toml");
    assert_eq!(lines.len(), 1);
    assert!(
        lines[0].starts_with("no/such/runbook.toml: cannot read: "),
        "{lines:?}"
    );
}

const MINIMAL: &str = r#"
[release]
name = "svc"
environment = "staging"
version = "1.0.0"

[[gates]]
id = "health"
kind = "http"
url = "http://127.0.0.1:8080/health"

[[steps]]
id = "deploy"
kind = "run"
run = "docker-compose up -d"

[[steps]]
id = "watch"
kind = "watch"
duration = "15m"
triggers = ["health"]

[rollback]
[[rollback.steps]]
kind = "docker-rollback"
service = "backend"

[[services]]
name = "backend"
match = { label = "com.docker.compose.service=backend" }
"#;

#[test]
fn defaults_are_filled_in() {
    let loaded = load_str(MINIMAL, Path::new("flightdeck.toml")).unwrap();
    let rb = loaded.runbook;
    assert!(loaded.warnings.is_empty());
    assert_eq!(rb.dir, PathBuf::from("."));
    assert_eq!(rb.release.protected, ["production", "prod"]);
    let gate = rb.gate("health").unwrap();
    assert_eq!(gate.interval, Dur::Fixed(Duration::from_secs(30)));
    assert_eq!(gate.timeout, Dur::Fixed(Duration::from_secs(5)));
    assert_eq!(gate.trigger.consecutive_error_limit, 4);
    assert_eq!(gate.trigger.failure_limit, 0);
    assert!(matches!(&gate.kind, GateKind::Http { method, .. } if method == "GET"));
    assert_eq!(rb.steps[0].title, "Run: docker-compose up -d");
    assert_eq!(rb.steps[1].title, "Watch 15m: health");
    assert_eq!(rb.rollback.target, RollbackTarget::Previous);
    assert_eq!(rb.rollback.auto_delay, Dur::Fixed(Duration::from_secs(30)));
    let rollback = &rb.rollback.steps[0];
    assert_eq!(rollback.id, "rollback-1");
    assert_eq!(rollback.title, "Roll back backend");
    assert!(matches!(&rollback.kind, StepKind::DockerRollback { service } if service == "backend"));
    // A defaulted id points at the step's `kind` value.
    assert_eq!(&MINIMAL[rollback.span.clone()], "\"docker-rollback\"");
    assert_eq!(&MINIMAL[rb.steps[0].span.clone()], "\"deploy\"");
}

#[test]
fn path_and_dir_are_kept_as_given() {
    let rb = load_str(MINIMAL, Path::new("ops/release/flightdeck.toml"))
        .unwrap()
        .runbook;
    assert_eq!(rb.path, PathBuf::from("ops/release/flightdeck.toml"));
    assert_eq!(rb.dir, PathBuf::from("ops/release"));
}

#[test]
fn seed_runbook_converts_every_section() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/runbooks/valid/seed000-manual-release.toml");
    let rb = load_file(&path).unwrap().runbook;
    assert_eq!(rb.release.version, runbook::VersionSource::GitDescribe);
    assert_eq!(rb.release.window, Some(Duration::from_secs(7200)));
    assert_eq!(rb.secrets, ["RPC_URL", "DEPLOYER_KEY"]);
    assert_eq!(rb.environments["staging"].protected, Some(false));
    assert!(rb.is_protected("production"));
    let StepKind::Run { capture, env, .. } = &rb.steps[7].kind else {
        panic!("not a run step")
    };
    let names: Vec<&str> = capture.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["tx_hash", "block", "address"], "source order");
    assert_eq!(env["RPC_URL"].src, "{{ vars.rpc_url }}");
    let StepKind::Watch { duration, .. } = &rb.steps[9].kind else {
        panic!("not a watch")
    };
    assert!(matches!(duration, Dur::Template(t) if t.src == "{{ vars.watch }}"));
    assert_eq!(rb.rollback.steps[2].id, "rollback-3");
}

#[test]
fn every_error_is_reported_not_just_the_first() {
    let src = "[release]\nname = 1\nenvironment = \"x\"\nversion = \"1\"\nbogus = 2\n[[steps]]\nid = \"a\"\nkind = \"nope\"\n";
    let diags = load_str(src, Path::new("f.toml")).unwrap_err();
    let lines: Vec<String> = diags.iter().map(|d| d.render("f.toml", src)).collect();
    assert_eq!(lines.len(), 3, "{lines:#?}");
    assert!(
        lines[0].starts_with("f.toml:2:8: expected a string for `name`"),
        "{lines:#?}"
    );
    assert!(
        lines[1].starts_with("f.toml:5:1: unknown field `bogus` in [release]"),
        "{lines:#?}"
    );
    assert!(
        lines[2].starts_with("f.toml:8:8: unknown step kind `nope`"),
        "{lines:#?}"
    );
}

#[test]
fn a_duration_over_a_year_is_an_error_at_its_value() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/runbooks/invalid/duration-over-a-year.toml");
    let report = check_file(&path);
    assert!(!report.is_ok());
    let lines = report.render_lines();
    let limit = "the longest duration flightdeck accepts is 1 year (1y = 365.25 days)";
    for (at, what) in [
        ("19:10", "`window` in [release] is 1000000y"),
        (
            "29:12",
            "`interval` in gate `health` is 99999999999999999999y",
        ),
        ("30:11", "`timeout` in gate `health` is 2y"),
        ("52:11", "`timeout` in step `deploy` is 10000000000s"),
    ] {
        let want = format!("{}:{at}: {what}; {limit}", path.display());
        assert!(lines.contains(&want), "no `{want}` in {lines:#?}");
    }
    // Exactly one year is accepted: gate `staged` has `interval = "1y"`.
    assert!(
        !lines
            .iter()
            .any(|l| l.contains("`interval` in gate `staged`")),
        "{lines:#?}"
    );
}

#[test]
fn trust_journal_and_approval_fields_load_with_their_defaults() {
    use flightdeck::runbook::{Anchor, Trust};
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/runbooks/valid/trust-two-person.toml");
    let rb = load_file(&path).unwrap().runbook;
    let t = rb.trust.as_ref().expect("[trust]");
    assert_eq!(t.allowed_signers, "allowed_signers");
    assert_eq!(
        t.signed_approvals.as_deref(),
        Some(&["production".to_owned()][..])
    );
    assert!(t.seal);
    assert_eq!(
        rb.allowed_signers_path(),
        Some(rb.dir.join("allowed_signers"))
    );
    assert!(rb.signs_approvals("production") && !rb.signs_approvals("staging"));
    assert_eq!(rb.journal.anchor, Some(Anchor::Git));
    assert_eq!(rb.journal.remote.as_deref(), Some("origin"));
    let cab = rb.steps[0].approval.as_ref().expect("an approval policy");
    let names: Vec<&str> = cab.approvers.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, ["alice", "bob", "carol"]);
    assert_eq!((cab.min_approvals, cab.self_approval), (2, false));
    let src = std::fs::read_to_string(&path).unwrap();
    assert_eq!(
        runbook::line_col(&src, cab.approvers[1].span.start),
        (28, 23)
    );
    assert_eq!(
        rb.steps[0].timeout,
        Some(Dur::Fixed(Duration::from_secs(7200)))
    );
    assert!(
        rb.steps[1].approval.is_none(),
        "only approval steps have one"
    );
    let back = rb.rollback.steps[0].approval.as_ref().unwrap();
    assert_eq!((back.min_approvals, back.self_approval), (1, true));

    // Without `signed_approvals`: the protected environments; without [trust]: never.
    let bare = MINIMAL.replace("environment = \"staging\"", "environment = \"production\"");
    let rb = load_str(&bare, Path::new("f.toml")).unwrap().runbook;
    assert!(rb.trust.is_none() && !rb.signs_approvals("production"));
    assert_eq!(rb.journal, flightdeck::runbook::JournalConfig::default());
    let with = format!("{bare}\n[trust]\nallowed_signers = \"/etc/flightdeck/signers\"\n");
    let rb = load_str(&with, Path::new("f.toml")).unwrap().runbook;
    assert!(rb.signs_approvals("production"), "protected by default");
    assert!(!rb.signs_approvals("staging"));
    assert!(matches!(rb.trust, Some(Trust { seal: false, .. })));
    assert_eq!(
        rb.allowed_signers_path(),
        Some(Path::new("/etc/flightdeck/signers").to_path_buf())
    );
}
