//! `journal verify` on seals (DESIGN.md §9.2): every `seal` record's signature verifies over
//! `{release_id, count, last_hash}` against `allowed_signers`, and the chain at record `count`
//! still has that `last_hash` — a journal rewritten under a seal fails, with `seal` in the
//! message, even when its chain and head file were recomputed.

use std::path::Path;

use serde_json::Value;

use super::reader::Scanned;
use super::record::Kind;
use super::verify::{Problem, TrustCheck};
use crate::trust::SealPayload;

/// Whether a seal's signature verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Signature {
    /// It verifies for this principal of `allowed_signers`.
    Verified(String),
    /// It does not; why.
    Failed(String),
    /// No `allowed_signers` to check it against.
    NotChecked,
}

/// One `seal` or `seal-skipped` record, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealCheck {
    /// 1-based among the journal's seals and skipped seals.
    pub ordinal: usize,
    /// The record's line (1-based).
    pub line: usize,
    pub point: String,
    pub count: u64,
    pub last_hash: String,
    /// The signing key (`SHA256:…`); `None` for a skipped seal.
    pub key: Option<String>,
    /// Why the seal was skipped.
    pub skipped: Option<String>,
    pub signature: Signature,
    /// What does not match: the chain, the signature.
    pub problems: Vec<Problem>,
}

impl SealCheck {
    pub fn ok(&self) -> bool {
        self.problems.is_empty()
    }
}

fn text(data: &Value, key: &str) -> String {
    data.get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

/// Check every seal of a journal whose lines hash to `hashes` (`genesis`: the hash before the
/// first record).
pub(crate) fn checks(
    lines: &[Scanned<'_>],
    hashes: &[String],
    genesis: &str,
    release_id: &str,
    allowed_signers: Option<&Path>,
) -> Vec<SealCheck> {
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let Ok(rec) = &line.record else { continue };
        if !matches!(rec.kind, Kind::Seal | Kind::SealSkipped) {
            continue;
        }
        let d = &rec.data;
        let count = d.get("count").and_then(Value::as_u64).unwrap_or(u64::MAX);
        let mut c = SealCheck {
            ordinal: out.len() + 1,
            line: i + 1,
            point: text(d, "point"),
            count,
            last_hash: text(d, "last_hash"),
            key: (rec.kind == Kind::Seal).then(|| text(d, "key")),
            skipped: (rec.kind == Kind::SealSkipped).then(|| text(d, "reason")),
            signature: Signature::NotChecked,
            problems: Vec::new(),
        };
        let what = if rec.kind == Kind::Seal {
            "seal"
        } else {
            "skipped seal"
        };
        chain(&mut c, what, i, hashes, genesis);
        if rec.kind == Kind::Seal {
            signature(&mut c, &text(d, "signature"), release_id, allowed_signers);
        }
        out.push(c);
    }
    out
}

/// The chain at record `count` has the seal's `last_hash`.
fn chain(c: &mut SealCheck, what: &str, index: usize, hashes: &[String], genesis: &str) {
    let n = c.ordinal;
    let Ok(count) = usize::try_from(c.count) else {
        c.problems.push(Problem {
            line: index + 1,
            message: format!("{what} {n} at record {}: no valid count", index + 1),
        });
        return;
    };
    if count > index {
        c.problems.push(Problem {
            line: index + 1,
            message: format!(
                "{what} {n} at record {} claims {count} records before it (records were removed or reordered after it was sealed)",
                index + 1
            ),
        });
        return;
    }
    let actual = match count.checked_sub(1) {
        None => genesis,
        Some(i) => hashes[i].as_str(),
    };
    if actual != c.last_hash {
        c.problems.push(Problem {
            line: count.max(1),
            message: format!(
                "{what} {n} does not match the journal at record {count} (rewritten after it was sealed): the seal has {}, the journal has {}",
                short(&c.last_hash),
                short(actual)
            ),
        });
    }
}

fn signature(c: &mut SealCheck, sig: &str, release_id: &str, allowed: Option<&Path>) {
    let Some(allowed) = allowed else { return };
    let payload = SealPayload {
        count: c.count,
        last_hash: c.last_hash.clone(),
        release_id: release_id.to_owned(),
    }
    .canonical();
    let n = c.ordinal;
    match crate::trust::verify(&payload, sig, allowed) {
        Ok(v) if c.key.as_deref().is_some_and(|k| k != v.fingerprint) => {
            let why = format!(
                "the record names key {} but the signature is by {}",
                c.key.as_deref().unwrap_or("-"),
                v.fingerprint
            );
            c.problems.push(Problem {
                line: c.line,
                message: format!("seal {n} at record {}: {why}", c.line),
            });
            c.signature = Signature::Failed(why);
        }
        Ok(v) => c.signature = Signature::Verified(v.principal),
        Err(e) => {
            c.problems.push(Problem {
                line: c.line,
                message: format!(
                    "seal {n} at record {}: signature does not verify over {{release_id, count {}, last_hash {}}}: {e}",
                    c.line,
                    c.count,
                    short(&c.last_hash)
                ),
            });
            c.signature = Signature::Failed(e.to_string());
        }
    }
}

/// The first 12 characters of a hash, for messages.
pub fn short(hash: &str) -> String {
    let end = hash.len().min(12);
    format!("{}…", &hash[..end])
}

/// `journal verify`'s part: the problems of every seal, and a note when signatures cannot be
/// checked or seals are missing.
pub(crate) fn check(
    lines: &[Scanned<'_>],
    hashes: &[String],
    genesis: &str,
    release_id: &str,
    trust: &TrustCheck,
    problems: &mut Vec<Problem>,
    notes: &mut Vec<String>,
) {
    let allowed = trust.allowed_signers.as_deref();
    let found = checks(lines, hashes, genesis, release_id, allowed);
    let sealed = found.iter().filter(|c| c.key.is_some()).count();
    if sealed > 0 && allowed.is_none() {
        notes.push(format!(
            "{sealed} seal(s) checked against the chain only: no allowed_signers to verify their signatures (`[trust] allowed_signers` in the runbook, or --allowed-signers PATH)"
        ));
    }
    if found.is_empty() && trust.seal && !lines.is_empty() {
        problems.push(Problem {
            line: 0,
            message: "the runbook seals the journal (`[trust] seal = true`) but it has no seal record: the seals were removed, or it was written without `seal`".into(),
        });
    }
    for c in found {
        problems.extend(c.problems);
    }
}
