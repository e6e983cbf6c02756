//! Tests of `verify_signatures`.

use super::*;
use crate::trust::sha256_hex;

const SIG: &str = "-----BEGIN SSH SIGNATURE-----\nU1NIU0lH\n-----END SSH SIGNATURE-----\n";

fn payload(reason: &str) -> String {
    format!(
        r#"{{"decision":"approve","environment":"production","journal_head":"h0","name":"web","reason":"{reason}","release_id":"r1","runbook_sha256":"{}","step":"cab","ts":"2026-12-06T16:10:22Z","version":"1.0.0"}}"#,
        sha256_hex(b"runbook")
    )
}

fn record(seq: u64, kind: Kind, data: serde_json::Value) -> Record {
    Record {
        seq,
        ts: "2026-12-06T16:10:23.000Z".into(),
        operator: "alice".into(),
        host: "h".into(),
        kind,
        step: Some("cab".into()),
        data,
        prev: String::new(),
    }
}

fn signed(reason: &str, signed_reason: &str) -> Record {
    record(
        3,
        Kind::Approval,
        serde_json::json!({
            "name": "bob", "reason": reason, "source": "signed", "principal": "bob",
            "key": "SHA256:abc", "decision": "approve", "payload": payload(signed_reason),
            "signature": SIG,
        }),
    )
}

fn typed() -> Record {
    record(
        2,
        Kind::Approval,
        serde_json::json!({"name": "alice", "reason": "ok", "source": "answers"}),
    )
}

#[test]
fn typed_approvals_are_listed_as_unsigned() {
    let rep = check(&[typed()], "r1", None);
    assert_eq!(rep.approvals.len(), 1);
    assert_eq!(rep.approvals[0].label(), "alice (typed, unsigned)");
    assert!(rep.problems().is_empty());
}

#[test]
fn without_allowed_signers_signatures_are_not_ok_by_default() {
    let rep = check(&[typed(), signed("CAB-1", "CAB-1")], "r1", None);
    assert_eq!(rep.approvals[1].status, Status::Unchecked);
    let problems = rep.problems();
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(
        problems[0].message.contains("signatures were not checked"),
        "{problems:?}"
    );
    assert!(rep.approvals[1].label().contains("not checked"));
}

#[test]
fn a_rewritten_reason_is_a_signature_problem_even_unverified() {
    let rep = check(&[signed("CAB-2 (edited)", "CAB-1")], "r1", None);
    let problems = rep.problems();
    assert_eq!(problems.len(), 1, "{problems:?}");
    let m = &problems[0].message;
    assert!(m.starts_with("approval by bob at record 3: "), "{m}");
    assert!(m.contains("reason") && m.contains("signature"), "{m}");
    assert_eq!(problems[0].line, 1);
}

#[test]
fn another_release_s_approval_and_a_wrong_consumed_hash_are_caught() {
    let rep = check(&[signed("CAB-1", "CAB-1")], "r2", None);
    let m = &rep.problems()[0].message;
    assert!(m.contains("for release r1, not this journal's r2"), "{m}");
    let mut r = signed("CAB-1", "CAB-1");
    r.data["consumed"] = serde_json::json!("00");
    let rep = check(&[r], "r1", None);
    assert!(rep.problems()[0].message.contains("consumed hash"));
    let mut r = signed("CAB-1", "CAB-1");
    r.data["decision"] = serde_json::json!("reject");
    let rep = check(&[r], "r1", None);
    assert!(rep.problems()[0].message.contains("decision"));
}
