//! `journal verify` for signed approvals (DESIGN.md §9.2): every `approval` record with a
//! signature is checked — the signature verifies over its `payload` against `allowed_signers`,
//! and the payload agrees with the record (step, principal, decision, reason, release) — and
//! each approval is listed as `bob (SHA256:…) ✔ signature verified`, or what failed. Without an
//! `allowed_signers` file the signatures are not checked, and that is said, not passed.

use std::path::{Path, PathBuf};

use super::reader::Scanned;
use super::record::{Kind, Record};
use super::verify::Problem;
use crate::trust::{Decision, Payload, TrustError, verify_at};

/// What became of one approval record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// Signed, and the signature and the record check out.
    Verified,
    /// A typed approval: no signature to check.
    Typed,
    /// Signed, but no `allowed_signers` file was given to check it against.
    Unchecked,
    /// What failed (the words of §9.2: `signature …`).
    Failed(String),
}

/// One approval record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApprovalCheck {
    /// 1-based line of the journal.
    pub line: usize,
    pub seq: u64,
    pub step: String,
    /// The principal (signed) or the typed name.
    pub who: String,
    /// The `SHA256:` fingerprint, for signed approvals.
    pub key: Option<String>,
    /// `approve` or `reject`.
    pub decision: String,
    pub status: Status,
}

impl ApprovalCheck {
    /// `bob (SHA256:…) ✔ signature verified`, `alice (typed, unsigned)`, or what failed.
    pub fn label(&self) -> String {
        let key = self.key.as_deref().unwrap_or("no key");
        let what = if self.decision == "reject" {
            " (rejection)"
        } else {
            ""
        };
        match &self.status {
            Status::Verified => format!("{} ({key}){what} ✔ signature verified", self.who),
            Status::Typed => format!("{}{what} (typed, unsigned)", self.who),
            Status::Unchecked => {
                format!(
                    "{} ({key}){what} ? signature not checked (no allowed_signers)",
                    self.who
                )
            }
            Status::Failed(why) => format!("{} ({key}){what} ✘ {why}", self.who),
        }
    }

    /// `approval by bob at record 17: …`.
    fn message(&self, why: &str) -> String {
        format!("approval by {} at record {}: {why}", self.who, self.seq)
    }
}

/// Every approval of one journal, checked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SignatureReport {
    /// The `allowed_signers` file the signatures were checked against.
    pub signers: Option<PathBuf>,
    pub approvals: Vec<ApprovalCheck>,
}

impl SignatureReport {
    /// The failures, and (without `allowed_signers`) that signatures were not checked.
    pub fn problems(&self) -> Vec<Problem> {
        let mut out: Vec<Problem> = self
            .approvals
            .iter()
            .filter_map(|a| match &a.status {
                Status::Failed(why) => Some(Problem {
                    line: a.line,
                    message: a.message(why),
                }),
                _ => None,
            })
            .collect();
        let unchecked = self
            .approvals
            .iter()
            .filter(|a| a.status == Status::Unchecked)
            .count();
        if unchecked > 0 {
            out.push(Problem {
                line: 0,
                message: format!(
                    "{unchecked} signed approval(s): signatures were not checked, no allowed_signers file (give --allowed-signers PATH, or -f RUNBOOK whose [trust] names one)"
                ),
            });
        }
        out
    }
}

/// Check the approvals of a scanned journal (release `release_id`): records keep their line
/// numbers. This is the one call `verify` makes.
pub(crate) fn check_lines(
    lines: &[Scanned<'_>],
    release_id: &str,
    signers: Option<&Path>,
) -> SignatureReport {
    let numbered: Vec<(usize, &Record)> = lines
        .iter()
        .enumerate()
        .filter_map(|(i, l)| l.record.as_ref().ok().map(|r| (i + 1, r)))
        .collect();
    check_numbered(&numbered, release_id, signers)
}

/// Check every approval record of `records` (one journal, release `release_id`).
pub fn check(records: &[Record], release_id: &str, signers: Option<&Path>) -> SignatureReport {
    let numbered: Vec<(usize, &Record)> = records
        .iter()
        .enumerate()
        .map(|(i, r)| (i + 1, r))
        .collect();
    check_numbered(&numbered, release_id, signers)
}

fn check_numbered(
    records: &[(usize, &Record)],
    release_id: &str,
    signers: Option<&Path>,
) -> SignatureReport {
    let started = records
        .iter()
        .find(|(_, r)| r.kind == Kind::ReleaseStarted)
        .map(|(_, r)| &r.data);
    let approvals = records
        .iter()
        .filter(|(_, r)| r.kind == Kind::Approval)
        .map(|(line, r)| check_one(*line, r, release_id, started, signers))
        .collect();
    SignatureReport {
        signers: signers.map(Path::to_path_buf),
        approvals,
    }
}

fn field<'a>(data: &'a serde_json::Value, name: &str) -> Option<&'a str> {
    data.get(name).and_then(serde_json::Value::as_str)
}

fn check_one(
    line: usize,
    r: &Record,
    release_id: &str,
    started: Option<&serde_json::Value>,
    signers: Option<&Path>,
) -> ApprovalCheck {
    let d = &r.data;
    let name = field(d, "name").unwrap_or_default();
    let mut c = ApprovalCheck {
        line,
        seq: r.seq,
        step: r.step.clone().unwrap_or_default(),
        who: field(d, "principal").unwrap_or(name).to_owned(),
        key: field(d, "key").map(str::to_owned),
        decision: field(d, "decision").unwrap_or("approve").to_owned(),
        status: Status::Typed,
    };
    let Some(signature) = field(d, "signature") else {
        return c;
    };
    c.status = match signed(&c, r, release_id, started, signature, signers) {
        Ok(true) => Status::Verified,
        Ok(false) => Status::Unchecked,
        Err(why) => Status::Failed(why),
    };
    c
}

/// A signed record: `Ok(true)` verified, `Ok(false)` not checked (no signers), or what failed.
fn signed(
    check: &ApprovalCheck,
    rec: &Record,
    release_id: &str,
    started: Option<&serde_json::Value>,
    signature: &str,
    signers: Option<&Path>,
) -> Result<bool, String> {
    let data = &rec.data;
    let text = field(data, "payload")
        .ok_or("the record has a signature and no payload: signature cannot be checked")?;
    let payload = Payload::from_canonical(text)
        .map_err(|e| format!("signature payload cannot be read: {e}"))?;
    agrees(check, rec, &payload, release_id, started)?;
    if let Some(h) = field(data, "consumed")
        && h != crate::trust::sha256_hex(signature.as_bytes())
    {
        return Err("the record's consumed hash is not the hash of its signature".into());
    }
    let Some(signers) = signers else {
        return Ok(false);
    };
    let who = &check.who;
    let verified =
        verify_at(text, signature, signers, Some(payload.ts)).map_err(|e| match e {
            TrustError::NotAllowed { fingerprint } => format!(
                "signature by key {fingerprint}, which is not an allowed signer: {who} is not a principal of that key in {}",
                signers.display()
            ),
            TrustError::BadSignature { detail, .. } => {
                format!("signature does not verify over its payload ({detail})")
            }
            other => format!("signature cannot be checked: {other}"),
        })?;
    if !verified.principals.iter().any(|p| p == who) {
        return Err(format!(
            "signature verifies for {}, not for the record's principal {who} ({} in {})",
            verified.principals.join(", "),
            verified.fingerprint,
            signers.display()
        ));
    }
    if check
        .key
        .as_deref()
        .is_some_and(|k| k != verified.fingerprint)
    {
        return Err(format!(
            "the record's key differs from the key that made the signature ({})",
            verified.fingerprint
        ));
    }
    Ok(true)
}

/// The payload agrees with the record's fields and with this journal's release.
fn agrees(
    c: &ApprovalCheck,
    r: &Record,
    p: &Payload,
    release_id: &str,
    started: Option<&serde_json::Value>,
) -> Result<(), String> {
    let d = &r.data;
    let differs = |what: &str| {
        Err(format!(
            "the record's {what} differs from the payload its signature covers"
        ))
    };
    if c.step != p.step {
        return differs("step");
    }
    if field(d, "reason").unwrap_or_default() != p.reason {
        return differs("reason");
    }
    let decision = match p.decision {
        Decision::Approve => "approve",
        Decision::Reject => "reject",
    };
    if field(d, "decision").is_some_and(|x| x != decision) {
        return differs("decision");
    }
    if field(d, "name").is_some_and(|n| n != c.who) {
        return differs("name (it is not the principal)");
    }
    match &p.release_id {
        Some(id) if id != release_id => {
            return Err(format!(
                "the signed payload is for release {id}, not this journal's {release_id}"
            ));
        }
        Some(_) => {}
        None => {
            // A pre-approval: bound to the release's name, version and environment instead.
            for (what, signed) in [
                ("name", &p.name),
                ("version", &p.version),
                ("environment", &p.environment),
            ] {
                if started
                    .and_then(|s| field(s, what))
                    .is_some_and(|x| x != signed)
                {
                    return Err(format!(
                        "the signed pre-approval's {what} `{signed}` differs from the release's"
                    ));
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
#[path = "verify_signatures_tests.rs"]
mod tests;
