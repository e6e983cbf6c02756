//! The checks a pre-approval passes before it counts in a headless run (DESIGN.md §9.2),
//! without I/O: bound to this runbook's SHA-256, release name, version, environment and step,
//! not expired, and not consumed before. The signature itself is checked by
//! [`super::verify`]; reading the files and the state dir is `crate::plain::preapproval`'s.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use super::payload::{Decision, Payload, sha256_hex, timestamp};

/// What a pre-approval must be bound to: this release's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expected<'a> {
    pub runbook_sha256: &'a str,
    /// The release name.
    pub name: &'a str,
    pub version: &'a str,
    pub environment: &'a str,
    pub step: &'a str,
}

/// Where a consumed pre-approval was used: the release id and the step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Use {
    pub release_id: String,
    pub step: String,
}

/// SHA-256 (hex) of consumed signatures → where each was used.
pub type Consumed = BTreeMap<String, Use>;

/// The `consumed` hash of a pre-approval: the SHA-256 of its armored signature, as presented.
pub fn consumed_hash(signature: &str) -> String {
    sha256_hex(signature.as_bytes())
}

/// Check a pre-approval's payload against this release at `now`; the reason it is refused.
pub fn check(p: &Payload, want: &Expected<'_>, now: DateTime<Utc>) -> Result<Decision, String> {
    if !p.is_pre_approval() {
        return Err(format!(
            "it is an approval of release {}, not a pre-approval (make one with `flightdeck approve --pre`)",
            p.release_id.as_deref().unwrap_or("?")
        ));
    }
    if p.runbook_sha256 != want.runbook_sha256 {
        return Err(format!(
            "it was signed for another runbook (sha256 {}; this runbook's is {}): the runbook changed since it was signed",
            p.runbook_sha256, want.runbook_sha256
        ));
    }
    for (field, got, expected) in [
        ("release", p.name.as_str(), want.name),
        ("version", p.version.as_str(), want.version),
        ("environment", p.environment.as_str(), want.environment),
        ("step", p.step.as_str(), want.step),
    ] {
        if got != expected {
            return Err(format!(
                "it is for {field} `{got}`, and this release's {field} is `{expected}`"
            ));
        }
    }
    match p.expires {
        Some(t) if t <= now => Err(format!(
            "it expired at {} (signed {}); ask for a new one",
            timestamp(t),
            timestamp(p.ts)
        )),
        Some(_) => Ok(p.decision),
        None => Err("it has no `expires`".into()),
    }
}

/// Refuse a pre-approval whose hash was consumed by an earlier release, or by another step of
/// this one. A new attempt of the same step in the same release (a resumed, retried step
/// collects its approvals anew) may present it again: it is still this release's one use.
pub fn check_consumed(
    hash: &str,
    consumed: &Consumed,
    release_id: &str,
    step: &str,
) -> Result<(), String> {
    match consumed.get(hash) {
        None => Ok(()),
        Some(u) if u.release_id == release_id && u.step == step => Ok(()),
        Some(u) if u.release_id == release_id => Err(format!(
            "it was already consumed by step `{}` of this release; a pre-approval counts once",
            u.step
        )),
        Some(u) => Err(format!(
            "it was already consumed by release {} (step `{}`); a pre-approval counts once",
            u.release_id, u.step
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type Change = fn(&mut Payload);

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn want() -> Expected<'static> {
        Expected {
            runbook_sha256: "aa11",
            name: "backend",
            version: "2.4.0",
            environment: "production",
            step: "cab",
        }
    }

    fn pre() -> Payload {
        Payload {
            decision: Decision::Approve,
            environment: "production".into(),
            expires: Some(at("2026-12-07T12:00:00Z")),
            journal_head: None,
            name: "backend".into(),
            reason: "CAB-77".into(),
            release_id: None,
            runbook_sha256: "aa11".into(),
            step: "cab".into(),
            ts: at("2026-12-06T12:00:00Z"),
            version: "2.4.0".into(),
        }
    }

    #[test]
    fn a_bound_unexpired_pre_approval_passes() {
        assert_eq!(
            check(&pre(), &want(), at("2026-12-06T18:00:00Z")),
            Ok(Decision::Approve)
        );
        let mut reject = pre();
        reject.decision = Decision::Reject;
        assert_eq!(
            check(&reject, &want(), at("2026-12-06T18:00:00Z")),
            Ok(Decision::Reject)
        );
    }

    #[test]
    fn an_expired_pre_approval_is_refused() {
        let e = check(&pre(), &want(), at("2026-12-07T12:00:00Z")).expect_err("expired");
        assert!(e.contains("expired at 2026-12-07T12:00:00Z"), "{e}");
    }

    #[test]
    fn each_binding_is_checked() {
        let now = at("2026-12-06T18:00:00Z");
        let cases: [(Change, &str); 5] = [
            (|p| p.runbook_sha256 = "bb22".into(), "another runbook"),
            (|p| p.name = "frontend".into(), "release `frontend`"),
            (|p| p.version = "2.4.1".into(), "version `2.4.1`"),
            (
                |p| p.environment = "staging".into(),
                "environment `staging`",
            ),
            (|p| p.step = "qa".into(), "step `qa`"),
        ];
        for (change, says) in cases {
            let mut p = pre();
            change(&mut p);
            let e = check(&p, &want(), now).expect_err(says);
            assert!(e.contains(says), "{e} should say {says}");
        }
        let mut release = pre();
        release.expires = None;
        release.release_id = Some("r1".into());
        release.journal_head = Some("h".into());
        let e = check(&release, &want(), now).expect_err("not a pre-approval");
        assert!(e.contains("not a pre-approval"), "{e}");
    }

    #[test]
    fn a_consumed_pre_approval_counts_once() {
        let sig = "-----BEGIN SSH SIGNATURE-----\nabc\n-----END SSH SIGNATURE-----\n";
        let hash = consumed_hash(sig);
        assert_eq!(hash, sha256_hex(sig.as_bytes()));
        let mut consumed = Consumed::new();
        assert_eq!(check_consumed(&hash, &consumed, "r2", "cab"), Ok(()));
        consumed.insert(
            hash.clone(),
            Use {
                release_id: "r1".into(),
                step: "cab".into(),
            },
        );
        let e = check_consumed(&hash, &consumed, "r2", "cab").expect_err("reused");
        assert!(e.contains("already consumed by release r1"), "{e}");
        // A new attempt of the same step of the same release presents it again.
        assert_eq!(check_consumed(&hash, &consumed, "r1", "cab"), Ok(()));
        let e = check_consumed(&hash, &consumed, "r1", "other").expect_err("another step");
        assert!(e.contains("consumed by step `cab` of this release"), "{e}");
    }
}
