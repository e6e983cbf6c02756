//! `plan` reads `[trust] allowed_signers` (DESIGN.md §9.1): approvers that are not principals
//! and a `min_approvals` the approvers other than the operator cannot reach are refused with
//! `FILE:LINE:COL`; `validate` says the same without the command.

use std::path::Path;

use flightdeck::runbook::{line_col, load_str};
use flightdeck::trust::validate;

use crate::run::{Dir, out};
use crate::skip::{self, Component};
use crate::trust::Keys;

const RUNBOOK: &str = r#"[release]
name = "web"
environment = "production"
version = "1.0.0"

[environments.staging]

[trust]
allowed_signers = "allowed_signers"

[[steps]]
id = "cab"
kind = "approval"
approvers = ["alice", "bob"]
min_approvals = 2

[[steps]]
id = "second"
kind = "approval"
approvers = ["bob", "dave", "carol"]
"#;

/// A runbook directory with `allowed_signers` giving alice and bob keys for flightdeck, and
/// carol one for git only.
fn team(runbook: &str) -> Dir {
    let d = Dir::new(runbook);
    let k = Keys::new();
    k.key("alice", "");
    k.key("bob", "");
    let lines = [
        format!("alice {}", k.public("alice")),
        format!("bob {}", k.public("bob")),
        format!("carol namespaces=\"git\" {}", k.public("bob")),
    ];
    d.write("allowed_signers", &(lines.join("\n") + "\n"));
    d
}

fn plan(d: &Dir, args: &[&str]) -> (Option<i32>, String) {
    let mut all = vec!["plan"];
    all.extend_from_slice(args);
    let o = d.cmd(&all).output().expect("runs");
    (o.status.code(), out(&o))
}

#[test]
fn plan_refuses_unknown_approvers_and_an_unreachable_minimum_at_their_place() {
    if !skip::need(Component::OpenSsh) {
        return;
    }
    let d = team(RUNBOOK);
    let (code, text) = plan(&d, &["--operator", "alice"]);
    assert_eq!(code, Some(1), "{text}");
    assert!(
        text.contains(
            "flightdeck.toml:15:17: step `cab` needs 2 approvals, but only 1 allowed signer can (bob); the operator `alice` cannot approve their own release (self_approval = false)"
        ),
        "{text}"
    );
    assert!(
        text.contains("flightdeck.toml:20:21: approver `dave` of step `second` is not a principal in allowed_signers"),
        "{text}"
    );
    assert!(text.contains("; its principals: alice, bob"), "{text}");
    assert!(
        text.contains("flightdeck.toml:20:29: approver `carol` of step `second` cannot sign flightdeck approvals: line 3 of allowed_signers"),
        "{text}"
    );
    assert!(
        text.contains("namespaces=\"git\"; add flightdeck"),
        "{text}"
    );
    assert!(
        text.contains("plan: 3 problems; `run` would refuse to start"),
        "{text}"
    );

    // Another operator: both approvers of `cab` can sign; `second` still names strangers.
    let (code, text) = plan(&d, &["--operator", "carol"]);
    assert_eq!(code, Some(1), "{text}");
    assert!(!text.contains("step `cab` needs"), "{text}");
    assert!(text.contains("plan: 2 problems"), "{text}");
}

#[test]
fn unsigned_environments_skip_the_principals_but_not_the_operator_rule() {
    if !skip::need(Component::OpenSsh) {
        return;
    }
    let d = team(RUNBOOK);
    let (code, text) = plan(&d, &["--operator", "alice", "--env", "staging"]);
    assert_eq!(code, Some(1), "{text}");
    assert!(
        text.contains(
            "flightdeck.toml:15:17: step `cab` needs 2 approvals, but only 1 approver can (bob)"
        ),
        "{text}"
    );
    assert!(
        !text.contains("approver `dave`"),
        "names, not principals, when unsigned:\n{text}"
    );
    assert!(text.contains("plan: 1 problem;"), "{text}");

    let fine = RUNBOOK
        .replace(
            "min_approvals = 2",
            "min_approvals = 2\nself_approval = true",
        )
        .replace("\"dave\", \"carol\"", "\"alice\"");
    let d = team(&fine);
    let (code, text) = plan(&d, &["--operator", "alice"]);
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("plan: nothing missing"), "{text}");
}

#[test]
fn a_missing_allowed_signers_file_is_reported_at_its_field() {
    if !skip::need(Component::OpenSsh) {
        return;
    }
    let d = Dir::new(RUNBOOK);
    let (code, text) = plan(&d, &["--operator", "carol"]);
    assert_eq!(code, Some(1), "{text}");
    assert!(
        text.contains("flightdeck.toml:9:19: cannot read allowed_signers "),
        "{text}"
    );
}

#[test]
fn validate_counts_principals_when_anyone_may_approve_and_reports_bad_lines() {
    if !skip::need(Component::OpenSsh) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let k = Keys::new();
    k.key("alice", "");
    let key = k.public("alice");
    let src = RUNBOOK
        .replace("approvers = [\"alice\", \"bob\"]\n", "")
        .replace("approvers = [\"bob\", \"dave\", \"carol\"]\n", "");
    let path = dir.path().join("flightdeck.toml");
    let rb = load_str(&src, &path).unwrap().runbook;
    let signers = dir.path().join("allowed_signers");
    std::fs::write(
        &signers,
        format!("alice {key}\nbob {key}\nmallory bogus {key}\n"),
    )
    .unwrap();
    let diags = validate(&rb, "production", "alice");
    let msgs: Vec<String> = diags.iter().map(|d| d.render("f", &src)).collect();
    assert_eq!(msgs.len(), 2, "{msgs:?}");
    assert!(
        msgs[0].contains("allowed_signers") && msgs[0].contains(":3: unknown option `bogus`"),
        "{msgs:?}"
    );
    assert!(
        msgs[1].ends_with("step `cab` needs 2 approvals, but only 1 allowed signer can (bob); the operator `alice` cannot approve their own release (self_approval = false)"),
        "{msgs:?}"
    );
    assert_eq!(line_col(&src, diags[1].span.start), (14, 17));
    // A pattern principal can match anyone: nothing to count.
    std::fs::write(&signers, format!("*@example.com {key}\n")).unwrap();
    assert!(validate(&rb, "production", "alice").is_empty());
    // Unsigned (no [trust] at all): only the operator rule, nothing read.
    let bare = src.replace("[trust]\nallowed_signers = \"allowed_signers\"\n", "");
    let rb = load_str(&bare, Path::new("f.toml")).unwrap().runbook;
    let d = validate(&rb, "production", "carol");
    assert!(d.is_empty(), "{d:?}");
}
