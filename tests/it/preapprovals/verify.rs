//! `journal verify` and the report on approval signatures (DESIGN.md §9.2): a journal with a
//! signed approval, rewritten after it was signed, and a signer not in `allowed_signers`.

use std::path::{Path, PathBuf};

use super::*;

/// A journal whose one approval `signer` signed for release `id`, written with the project's own
/// writer; returns its path.
fn signed_journal(t: &Team, id: &str, signer: &str) -> PathBuf {
    let dir = t.d.state();
    dir.ensure().expect("state dir");
    let mut w = Writer::create(&dir, id, Hasher::plain()).expect("writer");
    w.append(
        "alice",
        "h",
        Kind::ReleaseStarted,
        None,
        serde_json::json!({
            "release_id": id, "name": "web", "environment": "production", "version": "1.0.0",
            "protected": true, "runbook": "flightdeck.toml",
            "steps": [{"id": "cab", "title": "Change board", "kind": "approval"}],
            "rollback_steps": [], "runbook_sha256": t.runbook_sha(),
        }),
    )
    .expect("append");
    let payload = Payload {
        decision: Decision::Approve,
        environment: "production".into(),
        expires: None,
        journal_head: Some(w.last_hash().to_owned()),
        name: "web".into(),
        reason: "CAB-77".into(),
        release_id: Some(id.to_owned()),
        runbook_sha256: t.runbook_sha(),
        step: "cab".into(),
        ts: Utc::now().trunc_subsecs(0),
        version: "1.0.0".into(),
    }
    .canonical();
    let signature = sign(&payload, &t.k.path(signer)).expect("signs");
    let key = trust::fingerprint(&t.k.path(&format!("{signer}.pub"))).expect("fp");
    w.append(
        "alice",
        "h",
        Kind::Approval,
        Some("cab"),
        serde_json::json!({
            "name": signer, "reason": "CAB-77", "source": "signed", "principal": signer,
            "key": key, "decision": "approve", "payload": payload, "signature": signature,
        }),
    )
    .expect("append");
    w.path().to_path_buf()
}

/// Rewrite record `seq` of the journal at `path` with `change`, then recompute the chain and
/// the head file with the project's own hashing: what an insider with write access can do.
fn rewrite(dir: &StateDir, path: &Path, seq: u64, change: impl Fn(&mut Record)) {
    let id = path.file_stem().and_then(|s| s.to_str()).expect("id");
    let hasher = Hasher::plain();
    let mut records = read(path).expect("readable").records;
    let mut prev = hasher.genesis(id);
    let mut text = String::new();
    for r in &mut records {
        if r.seq == seq {
            change(r);
        }
        r.prev.clone_from(&prev);
        let line = serde_json::to_string(r).expect("serializes");
        prev = hasher.hash(line.as_bytes());
        text.push_str(&line);
        text.push('\n');
    }
    std::fs::write(path, text).expect("rewrite");
    Head::new(records.len() as u64, prev)
        .write_atomic(dir, &path.with_extension("head"))
        .expect("head");
}

#[test]
fn journal_verify_lists_signed_approvals_and_catches_a_rewritten_reason() {
    if !skip::need(Component::OpenSsh) {
        return;
    }
    let t = Team::new(RUNBOOK);
    let id = "web-1.0.0-20261206T161022Z";
    let path = signed_journal(&t, id, "bob");
    let v = t.d.cmd(&["journal", "verify", id]).output().expect("runs");
    let text = out(&v);
    assert_eq!(v.status.code(), Some(0), "{text}");
    let fp = trust::fingerprint(&t.k.path("bob.pub")).expect("fp");
    assert!(
        text.contains(&format!("bob ({fp}) ✔ signature verified")),
        "{text}"
    );
    // The report lists it the same way.
    let rep = t.d.cmd(&["report", id]).output().expect("runs");
    let md = String::from_utf8_lossy(&rep.stdout);
    assert!(
        md.contains(&format!("bob ({fp}) ✔ signature verified")),
        "{md}"
    );
    // Without an allowed_signers file, the signature is not passed as checked.
    let elsewhere = tempfile::tempdir().expect("tmp");
    let state = t.d.path().join(".flightdeck");
    let v =
        t.d.cmd(&["journal", "-f"])
            .arg(elsewhere.path().join("none.toml"))
            .arg("--state-dir")
            .arg(&state)
            .args(["verify", id])
            .output()
            .expect("runs");
    let text = out(&v);
    assert_eq!(v.status.code(), Some(1), "{text}");
    assert!(text.contains("signatures were not checked"), "{text}");
    // An insider rewrites the approval's reason and recomputes the chain and the head.
    rewrite(&t.d.state(), &path, 1, |r| {
        r.data["reason"] = serde_json::json!("CAB-77 (and the hotfix too)");
    });
    let chain = flightdeck::journal::verify(&path, &Hasher::plain());
    assert!(
        chain.ok(),
        "the chain alone is fooled: {:?}",
        chain.problems
    );
    let v = t.d.cmd(&["journal", "verify", id]).output().expect("runs");
    let text = out(&v);
    assert_eq!(v.status.code(), Some(1), "{text}");
    assert!(
        text.contains("approval by bob at record 1:") && text.contains("signature"),
        "{text}"
    );
    assert!(text.contains("reason"), "{text}");
    // The report says so too, and exits 1.
    let rep = t.d.cmd(&["report", id]).output().expect("runs");
    let md = String::from_utf8_lossy(&rep.stdout);
    assert_eq!(rep.status.code(), Some(1), "{}", out(&rep));
    assert!(
        md.contains(&format!("bob ({fp}) ✘ the record's reason differs")),
        "{md}"
    );
    assert!(md.contains("FAILS") && md.contains("signature"), "{md}");
    // Rewriting the signed payload too: the signature no longer verifies over it.
    rewrite(&t.d.state(), &path, 1, |r| {
        let p = r.data["payload"].as_str().expect("payload").replace(
            "\"reason\":\"CAB-77\"",
            "\"reason\":\"CAB-77 (and the hotfix too)\"",
        );
        r.data["payload"] = serde_json::json!(p);
    });
    let v =
        t.d.cmd(&[
            "journal",
            "verify",
            id,
            "--allowed-signers",
            "allowed_signers",
        ])
        .output()
        .expect("runs");
    let text = out(&v);
    assert_eq!(v.status.code(), Some(1), "{text}");
    assert!(
        text.contains("approval by bob at record 1: signature does not verify over its payload"),
        "{text}"
    );
}

#[test]
fn journal_verify_names_a_principal_whose_key_is_not_an_allowed_signer() {
    if !skip::need(Component::OpenSsh) {
        return;
    }
    let t = Team::new(RUNBOOK);
    let id = "web-1.0.0-20261206T170000Z";
    signed_journal(&t, id, "mallory");
    let v = t.d.cmd(&["journal", "verify", id]).output().expect("runs");
    let text = out(&v);
    assert_eq!(v.status.code(), Some(1), "{text}");
    assert!(text.contains("not an allowed signer"), "{text}");
    assert!(text.contains("approval by mallory at record 1"), "{text}");
    assert!(text.contains("mallory is not a principal"), "{text}");
}
