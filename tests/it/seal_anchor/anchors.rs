//! Anchors: an unreachable remote never blocks the release and `journal push` retries it; a
//! rewrite after an anchor is caught over ssh with the local refs deleted; `--offline`.

// Tests unwrap: a panic is the failure report.
#![allow(clippy::unwrap_used, clippy::many_single_char_names)]

use std::time::{Duration, Instant};

use flightdeck::journal::Kind;

use super::{Fixture, RUNBOOK, forge_output, of_kind, rewrite, text};
use crate::run::out;

#[test]
fn an_unreachable_remote_does_not_block_the_release_and_journal_push_retries_it() {
    let f = Fixture::new(RUNBOOK);
    let remote = tempfile::tempdir().unwrap();
    let at = remote.path().join("origin.git");
    f.repo.remote("origin", at.to_str().unwrap()).unwrap();
    let started = Instant::now();
    let o = f.run();
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    assert!(started.elapsed() < Duration::from_secs(60));
    let records = f.records();
    let anchors = of_kind(&records, Kind::Anchor);
    assert_eq!(anchors.len(), 2, "{records:#?}");
    for a in &anchors {
        assert_eq!(a.data["pushed"], false, "{a:?}");
        let err = a.data["error"].as_str().unwrap();
        assert!(err.contains("git push exited"), "{err}");
        assert!(!a.data["commit"].as_str().unwrap().is_empty());
    }
    // Shown: the plain line names the failure; the local anchors are there.
    let shown = String::from_utf8_lossy(&o.stdout);
    assert!(
        shown.contains("not pushed") || shown.contains("failed"),
        "{shown}"
    );
    let name = format!("refs/flightdeck/{}", f.release_id());
    assert!(f.repo.refname_to_id(&name).is_ok());
    // The report says the last push failed.
    let r = f.cmd(&["report"]).output().unwrap();
    let report = String::from_utf8_lossy(&r.stdout);
    assert!(report.contains("the last push FAILED"), "{report}");

    // Verify online: the remote cannot be fetched, which is a problem; offline says it skipped.
    let v = f.cmd(&["journal", "verify"]).output().unwrap();
    assert_eq!(v.status.code(), Some(1), "{}", out(&v));
    assert!(
        text(&v).contains(&format!("anchor {name}: cannot fetch it from origin")),
        "{}",
        out(&v)
    );
    let v = f.cmd(&["journal", "verify", "--offline"]).output().unwrap();
    assert_eq!(v.status.code(), Some(0), "{}", out(&v));
    assert!(
        text(&v).contains("--offline: skipped fetching anchor"),
        "{}",
        out(&v)
    );

    // The remote comes back: `journal push` pushes the anchor; verify fetches it.
    let bare = git2::Repository::init_bare(&at).unwrap();
    let p = f.cmd(&["journal", "push"]).output().unwrap();
    assert_eq!(p.status.code(), Some(0), "{}", out(&p));
    assert!(
        text(&p).contains(&format!("pushed {name} to origin")),
        "{}",
        out(&p)
    );
    assert_eq!(
        bare.refname_to_id(&name).unwrap(),
        f.repo.refname_to_id(&name).unwrap()
    );
    let v = f.cmd(&["journal", "verify"]).output().unwrap();
    assert_eq!(v.status.code(), Some(0), "{}", out(&v));
    // The manual push is journaled, and the report's last push is that one.
    let last = f.records().pop().unwrap();
    assert_eq!(last.kind, Kind::Anchor);
    assert_eq!(last.data["pushed"], true);
    let r = f.cmd(&["report"]).output().unwrap();
    let report = String::from_utf8_lossy(&r.stdout);
    assert!(report.contains("the last push succeeded"), "{report}");
}

#[test]
fn a_rewrite_after_an_anchor_is_caught_over_ssh_even_with_the_local_refs_deleted() {
    let Some(sshd) = crate::sshd::Sshd::start() else {
        return;
    };
    // Only anchors here (no seal), so that the remote alone must catch it.
    let f = Fixture::new(&RUNBOOK.replace("seal = true\n", ""));
    let remote = tempfile::tempdir().unwrap();
    let bare = git2::Repository::init_bare(remote.path()).unwrap();
    f.repo.remote("origin", &sshd.url(remote.path())).unwrap();
    // A slow link (each connection waits a second), so a push is still running at the end.
    let slow = format!("sleep 1; {}", sshd.git_ssh_command());
    let o = f
        .cmd(&["run", "--plain", "--auto-approve", "--operator", "alice"])
        .env("GIT_SSH_COMMAND", slow)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}\n{}", out(&o), sshd.log());
    assert!(
        String::from_utf8_lossy(&o.stderr)
            .contains("waiting up to 30s for the journal anchor push to origin"),
        "{}",
        out(&o)
    );
    let name = format!("refs/flightdeck/{}", f.release_id());
    let anchors = f.records();
    let anchors = of_kind(&anchors, Kind::Anchor);
    assert!(
        !anchors.is_empty() && anchors.iter().all(|a| a.data["pushed"] == true),
        "{anchors:#?}"
    );
    assert!(bare.refname_to_id(&name).is_ok());
    assert!(
        sshd.log().contains("Accepted publickey for root"),
        "{}",
        sshd.log()
    );

    // The insider rewrites the journal, recomputes the chain, and deletes the local ref.
    rewrite(&f.journal(), forge_output);
    f.repo.find_reference(&name).unwrap().delete().unwrap();
    let v = f
        .cmd(&["journal", "verify"])
        .env("GIT_SSH_COMMAND", sshd.git_ssh_command())
        .output()
        .unwrap();
    assert_eq!(v.status.code(), Some(1), "{}", out(&v));
    let said = text(&v);
    assert!(
        said.contains(&format!("anchor {name} on origin has"))
            && said.contains("(rewritten after it was anchored)"),
        "{said}"
    );

    // Offline, the rewrite is only caught by the records the journal itself keeps (the
    // anchor records say a ref existed); and verify says it skipped the fetch.
    let v = f.cmd(&["journal", "verify", "--offline"]).output().unwrap();
    let said = text(&v);
    assert!(
        said.contains("--offline: skipped fetching anchor"),
        "{said}"
    );
    assert!(said.contains("the ref was deleted"), "{said}");
}

#[test]
fn a_failed_anchor_push_is_retried_by_the_next_anchor() {
    let remote = tempfile::tempdir().unwrap();
    let at = remote.path().join("origin.git");
    // The first step brings the remote up once the first anchor's push has failed.
    let bring_up = format!(
        "until grep -q '\"kind\":\"anchor\"' .flightdeck/journal/*.jsonl; do sleep 0.05; done; git init -q --bare {}",
        at.display()
    );
    let toml = bring_up.replace('\\', "\\\\").replace('"', "\\\"");
    let f = Fixture::new(&RUNBOOK.replace("echo building {{ version }}", &toml));
    f.repo.remote("origin", at.to_str().unwrap()).unwrap();
    let o = f.run();
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    let records = f.records();
    let anchors = of_kind(&records, Kind::Anchor);
    let pushed: Vec<bool> = anchors
        .iter()
        .map(|a| a.data["pushed"].as_bool().unwrap())
        .collect();
    assert_eq!(pushed, [false, true], "{anchors:#?}");
    // The second push carried the first anchor too: the remote has the whole chain.
    let bare = git2::Repository::open_bare(&at).unwrap();
    let name = format!("refs/flightdeck/{}", f.release_id());
    let tip = bare
        .find_commit(bare.refname_to_id(&name).unwrap())
        .unwrap();
    let first = anchors[0].data["commit"].as_str().unwrap();
    assert_eq!(tip.parent_id(0).unwrap().to_string(), first);
    let v = f.cmd(&["journal", "verify"]).output().unwrap();
    assert_eq!(v.status.code(), Some(0), "{}", out(&v));
}
