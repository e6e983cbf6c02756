//! Seal records at the seal points, with and without a key; a rewrite under a seal fails
//! `journal verify` (the chain, and the signature); `--allowed-signers`; the report's seals.

// Tests unwrap: a panic is the failure report.
#![allow(clippy::unwrap_used, clippy::many_single_char_names)]

use flightdeck::journal::{Hasher, Kind};

use super::{Fixture, RUNBOOK, bare_origin, forge_output, of_kind, rewrite, rewrite_keeping, text};
use crate::run::out;

#[test]
fn a_sealed_run_journals_seals_at_start_and_end_and_anchors_to_a_local_bare_remote() {
    let f = Fixture::new(RUNBOOK);
    let remote = tempfile::tempdir().unwrap();
    let bare = bare_origin(&f, remote.path());
    let o = f.run();
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    let records = f.records();
    let seals = of_kind(&records, Kind::Seal);
    let points: Vec<&str> = seals
        .iter()
        .map(|r| r.data["point"].as_str().unwrap())
        .collect();
    assert_eq!(points, ["start", "completed"], "{records:#?}");
    // The start seal covers `release-started` (and what was durable with it); the end seal
    // covers `release-finished`.
    let finished = records
        .iter()
        .position(|r| r.kind == Kind::ReleaseFinished)
        .unwrap() as u64;
    assert!(seals[0].data["count"].as_u64().unwrap() >= 1);
    assert!(seals[1].data["count"].as_u64().unwrap() > finished);
    let fp = flightdeck::trust::fingerprint(&f.key()).unwrap();
    assert_eq!(seals[0].data["key"], fp.as_str());
    assert!(
        seals[0].data["signature"]
            .as_str()
            .unwrap()
            .starts_with("-----BEGIN SSH SIGNATURE-----")
    );
    // Anchors: one per seal point, each pushed to the bare remote.
    let anchors = of_kind(&records, Kind::Anchor);
    assert_eq!(anchors.len(), 2, "{anchors:#?}");
    assert!(
        anchors.iter().all(|a| a.data["pushed"] == true),
        "{anchors:#?}"
    );
    let name = format!("refs/flightdeck/{}", f.release_id());
    let local = f.repo.refname_to_id(&name).unwrap();
    assert_eq!(bare.refname_to_id(&name).unwrap(), local);
    let tip = f.repo.find_commit(local).unwrap();
    assert_eq!(
        tip.parent_count(),
        1,
        "the second anchor's parent is the first"
    );
    assert_eq!(tip.author().name().ok(), Some("alice"));
    assert_eq!(tip.author().email().ok(), Some("alice@flightdeck.invalid"));
    // The plain lines say so.
    let shown = String::from_utf8_lossy(&o.stdout);
    assert!(shown.contains("sealed (start)"), "{shown}");
    assert!(shown.contains("pushed to origin"), "{shown}");

    let v = f.cmd(&["journal", "verify"]).output().unwrap();
    assert_eq!(v.status.code(), Some(0), "{}", out(&v));
    assert!(text(&v).contains("ok: "), "{}", out(&v));
    // Against an allowed_signers that does not know alice's key, every seal fails.
    f.keys.key("mallory", "");
    let other = f
        .keys
        .write("others", &[format!("mallory {}", f.keys.public("mallory"))]);
    let v = f
        .cmd(&["journal", "verify", "--allowed-signers"])
        .arg(&other)
        .output()
        .unwrap();
    assert_eq!(v.status.code(), Some(1), "{}", out(&v));
    let said = text(&v);
    assert!(
        said.contains("seal 1 at record") && said.contains("is not an allowed signer"),
        "{said}"
    );

    let r = f.cmd(&["report"]).output().unwrap();
    let report = String::from_utf8_lossy(&r.stdout);
    assert!(report.contains("## Seals and anchors"), "{report}");
    assert!(
        report.contains(&format!("| {fp} | ✔ signature verified (alice) |")),
        "{report}"
    );
    assert!(
        report.contains(&format!("`{name}`")) && report.contains("the last push succeeded"),
        "{report}"
    );
}

#[test]
fn a_record_rewritten_under_a_seal_fails_verify_with_seal_in_the_message() {
    let f =
        Fixture::new(&RUNBOOK.replace("[journal]\nanchor = \"git\"\nremote = \"origin\"\n", ""));
    let o = f.run();
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    let v = f.cmd(&["journal", "verify"]).output().unwrap();
    assert_eq!(v.status.code(), Some(0), "{}", out(&v));

    rewrite(&f.journal(), forge_output);
    // The chain and the head are fine again: only the seal catches it.
    let plain = flightdeck::journal::verify(&f.journal(), &Hasher::plain());
    assert!(!plain.problems.is_empty());
    assert!(
        plain
            .problems
            .iter()
            .all(|p| p.message.starts_with("seal ")),
        "{:?}",
        plain.problems
    );
    let v = f.cmd(&["journal", "verify"]).output().unwrap();
    assert_eq!(v.status.code(), Some(1), "{}", out(&v));
    let said = text(&v);
    assert!(
        said.contains("seal 2 does not match the journal at record")
            && said.contains("(rewritten after it was sealed)"),
        "{said}"
    );

    // Rewriting the seal's own count and hash to the forged journal breaks its signature.
    let forged = flightdeck::journal::read(&f.journal()).unwrap();
    let hasher = Hasher::plain();
    let last = forged
        .records
        .iter()
        .rposition(|r| r.kind == Kind::Seal)
        .unwrap();
    let count = usize::try_from(forged.records[last].data["count"].as_u64().unwrap()).unwrap();
    let hash = hasher.hash(forged.lines[count - 1].as_bytes());
    rewrite(&f.journal(), |r| {
        if r.kind == Kind::Seal && r.seq == last as u64 {
            r.data["last_hash"] = serde_json::json!(hash);
        }
    });
    let v = f.cmd(&["journal", "verify"]).output().unwrap();
    assert_eq!(v.status.code(), Some(1), "{}", out(&v));
    let said = text(&v);
    assert!(
        said.contains(&format!(
            "seal 2 at record {}: signature does not verify",
            last + 1
        )),
        "{said}"
    );
}

#[test]
fn without_a_key_each_seal_point_journals_seal_skipped_with_the_reason() {
    let f =
        Fixture::new(&RUNBOOK.replace("[journal]\nanchor = \"git\"\nremote = \"origin\"\n", ""));
    let o = f
        .cmd(&["run", "--plain", "--auto-approve", "--operator", "alice"])
        .env_remove("FLIGHTDECK_KEY")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    let records = f.records();
    let skipped = of_kind(&records, Kind::SealSkipped);
    assert_eq!(skipped.len(), 2, "{records:#?}");
    assert!(of_kind(&records, Kind::Seal).is_empty());
    let reason = skipped[0].data["reason"].as_str().unwrap();
    assert!(reason.contains("FLIGHTDECK_KEY"), "{reason}");
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("seal skipped (start): no operator key"),
        "{}",
        out(&o)
    );
    let r = f.cmd(&["report"]).output().unwrap();
    let report = String::from_utf8_lossy(&r.stdout);
    assert!(
        report.contains("| 1 | start |") && report.contains("skipped: no operator key"),
        "{report}"
    );
}

#[test]
fn a_step_that_stops_the_release_is_a_seal_point() {
    let f = Fixture::new(
        &RUNBOOK
            .replace("[journal]\nanchor = \"git\"\nremote = \"origin\"\n", "")
            .replace("run = \"echo deployed\"", "run = \"echo failing; exit 3\""),
    );
    let o = f.run();
    assert_eq!(o.status.code(), Some(1), "{}", out(&o));
    let records = f.records();
    let points: Vec<&str> = of_kind(&records, Kind::Seal)
        .iter()
        .map(|r| r.data["point"].as_str().unwrap())
        .collect();
    assert_eq!(points.first(), Some(&"start"), "{records:#?}");
    assert!(points.contains(&"failed"), "{points:?}");
    let failed = records
        .iter()
        .position(|r| r.kind == Kind::StepFinished && r.step.as_deref() == Some("deploy"))
        .unwrap();
    let seal = of_kind(&records, Kind::Seal)
        .into_iter()
        .find(|r| r.data["point"] == "failed")
        .unwrap();
    assert!(seal.data["count"].as_u64().unwrap() > failed as u64);
    let v = f.cmd(&["journal", "verify"]).output().unwrap();
    assert_eq!(v.status.code(), Some(0), "{}", out(&v));
}

#[test]
fn an_agent_that_is_gone_journals_seal_skipped_and_the_release_goes_on() {
    let f =
        Fixture::new(&RUNBOOK.replace("[journal]\nanchor = \"git\"\nremote = \"origin\"\n", ""));
    // The key is named by its public half, as for a key in a forwarded agent that has left.
    let public = f.keys.path("alice.pub");
    let gone = f.dir.path().join("agent.sock");
    let o = f
        .cmd(&["run", "--plain", "--auto-approve", "--operator", "alice"])
        .env("FLIGHTDECK_KEY", &public)
        .env("SSH_AUTH_SOCK", &gone)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    let records = f.records();
    let skipped = of_kind(&records, Kind::SealSkipped);
    assert_eq!(skipped.len(), 2, "{records:#?}");
    let reason = skipped[0].data["reason"].as_str().unwrap();
    assert!(reason.contains("ssh-keygen -Y sign"), "{reason}");
    assert!(reason.contains("ssh-agent"), "{reason}");
    let v = f.cmd(&["journal", "verify"]).output().unwrap();
    assert_eq!(v.status.code(), Some(0), "{}", out(&v));
}

#[test]
fn removing_every_seal_fails_verify_when_the_runbook_seals() {
    let f =
        Fixture::new(&RUNBOOK.replace("[journal]\nanchor = \"git\"\nremote = \"origin\"\n", ""));
    let o = f.run();
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    rewrite_keeping(&f.journal(), |r| r.kind != Kind::Seal, forge_output);
    assert!(of_kind(&f.records(), Kind::Seal).is_empty());
    let v = f.cmd(&["journal", "verify"]).output().unwrap();
    assert_eq!(v.status.code(), Some(1), "{}", out(&v));
    assert!(
        text(&v).contains(
            "the runbook seals the journal (`[trust] seal = true`) but it has no seal record"
        ),
        "{}",
        out(&v)
    );
}
