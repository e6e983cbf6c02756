//! Pre-approvals in a headless run (DESIGN.md §9.2): the files an answers file lists as
//! `[approvals.ID] signed = [...]` are read, their signatures verified against the runbook's
//! `allowed_signers`, their payloads checked against this release
//! ([`crate::trust::preapproval`]), refused when consumed by any journal in the state dir, and
//! handed to the core as `Msg::Signed`, each with the hash that consumes it.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use color_eyre::eyre::Result;

use super::{Plain, fail};
use crate::journal::{Kind, StateDir};
use crate::release::msg::SignedApproval;
use crate::release::{Msg, Phase, StepStatus};
use crate::runbook::StepType;
use crate::trust::preapproval::{Consumed, Expected, Use, check, check_consumed, consumed_hash};
use crate::trust::{Decision, Payload, verify};

/// The `format` tag of an approval file (`crate::trust::approval_file` on h1's branch).
const FORMAT: &str = "flightdeck-approval/1";

/// A pre-approval file's two parts: the canonical payload text and the armored signature.
///
/// The one reader of the file format (`{"format": "flightdeck-approval/1", "payload": "…",
/// "signature": "…"}`, what `flightdeck approve --pre -o FILE` writes); point it at
/// `crate::trust::approval_file::read` when that lands.
pub fn read_signed_file(path: &Path) -> Result<(String, String), String> {
    #[derive(serde::Deserialize)]
    struct File {
        #[serde(default)]
        format: Option<String>,
        payload: serde_json::Value,
        signature: String,
    }
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read it: {e}"))?;
    let f: File = serde_json::from_str(&text).map_err(|e| {
        format!("not a pre-approval file ({e}); expected the JSON `{{format, payload, signature}}` that `flightdeck approve --pre -o FILE` writes")
    })?;
    if let Some(format) = f.format.as_deref().filter(|f| *f != FORMAT) {
        return Err(format!(
            "unknown approval file format `{format}` (this flightdeck reads `{FORMAT}`)"
        ));
    }
    let payload = match f.payload {
        serde_json::Value::String(s) => s,
        other => other.to_string(),
    };
    Ok((payload, f.signature))
}

/// Every `consumed` hash in the `approval` records of the journals in `dir`.
pub fn consumed_in(dir: &StateDir) -> Result<Consumed> {
    let mut out = Consumed::new();
    for entry in dir.list()? {
        let Ok(read) = crate::journal::read(&entry.path) else {
            continue;
        };
        for r in read.records.iter().filter(|r| r.kind == Kind::Approval) {
            if let Some(serde_json::Value::String(h)) = r.data.get("consumed") {
                out.entry(h.clone()).or_insert_with(|| Use {
                    release_id: entry.id.clone(),
                    step: r.step.clone().unwrap_or_default(),
                });
            }
        }
    }
    Ok(out)
}

/// What one pre-approval is checked against.
pub struct Context<'a> {
    pub want: Expected<'a>,
    pub allowed_signers: &'a Path,
    pub consumed: &'a Consumed,
    pub release_id: &'a str,
    /// The step's approvers: a key with several principals counts as the one listed here.
    pub approvers: Option<&'a [String]>,
    pub now: DateTime<Utc>,
}

/// Read, verify and check one pre-approval file: the signed approval to send, or why it is
/// refused.
pub fn load(path: &Path, cx: &Context<'_>) -> Result<SignedApproval, String> {
    let (text, signature) = read_signed_file(path)?;
    let payload = Payload::from_canonical(&text).map_err(|e| e.to_string())?;
    let verified = verify(&text, &signature, cx.allowed_signers).map_err(|e| e.to_string())?;
    let decision = check(&payload, &cx.want, cx.now)?;
    let hash = consumed_hash(&signature);
    check_consumed(&hash, cx.consumed, cx.release_id, cx.want.step)?;
    let principal = cx
        .approvers
        .and_then(|a| verified.principals.iter().find(|p| a.contains(p)))
        .unwrap_or(&verified.principal)
        .clone();
    Ok(SignedApproval {
        step: payload.step.clone(),
        principal,
        key: verified.fingerprint,
        approve: decision == Decision::Approve,
        reason: payload.reason.clone(),
        payload: text,
        signature,
        consumed: Some(hash),
    })
}

/// Load every file of a step; the first refusal names its file. Two files from one principal,
/// or one file listed twice, are refused too.
pub fn load_all(files: &[PathBuf], cx: &Context<'_>) -> Result<Vec<SignedApproval>, String> {
    let mut out: Vec<SignedApproval> = Vec::new();
    let mut seen = BTreeSet::new();
    for f in files {
        let at = |why: String| format!("pre-approval {}: {why}", f.display());
        let sa = load(f, cx).map_err(at)?;
        if out.iter().any(|o| o.principal == sa.principal) {
            return Err(at(format!(
                "{} already signed another of the listed files; each approver counts once",
                sa.principal
            )));
        }
        if !seen.insert(sa.consumed.clone()) {
            return Err(at("it is listed twice".into()));
        }
        out.push(sa);
    }
    Ok(out)
}

impl<W: Write> Plain<'_, W> {
    /// When step `index` of `phase` is an approval step whose answers list signed
    /// pre-approvals, answer it with them and say so (`true`); else leave it (`false`).
    pub(super) fn pre_approvals(&mut self, phase: Phase, index: usize) -> Result<bool> {
        let s = &self.view.list(phase)[index];
        let files = match &self.opts.answers {
            Some(a) if s.kind == StepType::Approval => a.signed_files(&s.id),
            _ => Vec::new(),
        };
        if files.is_empty() {
            return Ok(false);
        }
        self.present_signed(phase, index, &files)?;
        Ok(true)
    }

    /// Answer approval step `index` of `phase` with the pre-approvals in `files`: check them
    /// all, then send each; the step fails when one is refused, or when they are too few.
    fn present_signed(&mut self, phase: Phase, index: usize, files: &[PathBuf]) -> Result<()> {
        let step = self.view.list(phase)[index].id.clone();
        let msgs = match self.signed_msgs(&step, files) {
            Ok(m) => m,
            Err(why) => {
                self.send(fail(phase, step, why))?;
                return Ok(());
            }
        };
        let given = msgs.len();
        let waiting = |p: &Self| {
            p.d.state()
                .and_then(|st| st.list(phase).get(index))
                .is_some_and(|s| s.status == StepStatus::Running)
        };
        for m in msgs {
            // The step ends at `min_approvals` (or at a rejection): the rest are not needed.
            if !waiting(self) {
                break;
            }
            if let Some(why) = self.send(Msg::Signed(Box::new(m)))? {
                self.send(fail(phase, step, why))?;
                return Ok(());
            }
        }
        if waiting(self) {
            let need = self.min_approvals(&step);
            self.send(fail(
                phase,
                step.clone(),
                format!(
                    "the answers file gives {given} signed approval(s) for `{step}`, and it needs {need} (min_approvals): list more in [approvals.{step}] signed = [...]"
                ),
            ))?;
        }
        Ok(())
    }

    /// The `Msg::Signed` payloads of `files`, or why they are refused.
    fn signed_msgs(&self, step: &str, files: &[PathBuf]) -> Result<Vec<SignedApproval>, String> {
        let r = self
            .d
            .resolved()
            .ok_or("no runbook: pre-approvals need one")?;
        let signers = r.runbook.allowed_signers_path().ok_or_else(|| {
            format!("step `{step}` lists signed pre-approvals, and the runbook has no [trust] allowed_signers to verify them against")
        })?;
        let runbook_sha = r.runbook.sha256.clone();
        let dir = self
            .opts
            .state_dir
            .as_ref()
            .ok_or("no state dir: pre-approvals cannot be checked for reuse")?;
        let consumed = consumed_in(dir).map_err(|e| format!("{e:#}"))?;
        let st = self.d.state().ok_or("no release")?;
        let approvers = st
            .steps
            .iter()
            .chain(&st.rollback_steps)
            .find(|s| s.id == step)
            .and_then(|s| s.info.approvers.as_deref());
        let cx = Context {
            want: Expected {
                runbook_sha256: &runbook_sha,
                name: &st.name,
                version: &st.version,
                environment: &st.environment,
                step,
            },
            allowed_signers: &signers,
            consumed: &consumed,
            release_id: &st.release_id,
            approvers,
            now: crate::driver::now_ms(),
        };
        load_all(files, &cx)
    }

    /// The step's `min_approvals` in the runbook (1 when it does not say).
    fn min_approvals(&self, step: &str) -> u32 {
        self.d
            .resolved()
            .and_then(|r| {
                r.runbook
                    .steps
                    .iter()
                    .chain(&r.runbook.rollback.steps)
                    .find(|s| s.id == step)
                    .and_then(|s| s.approval.as_ref().map(|a| a.min_approvals))
            })
            .unwrap_or(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_format_is_read_and_a_foreign_tag_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bob.sig");
        let good = serde_json::json!({
            "format": FORMAT, "payload": "{\"a\":1}", "signature": "SIG",
        });
        std::fs::write(&path, good.to_string()).unwrap();
        assert_eq!(
            read_signed_file(&path),
            Ok(("{\"a\":1}".to_owned(), "SIG".to_owned()))
        );
        let foreign = serde_json::json!({
            "format": "other/2", "payload": "{}", "signature": "SIG",
        });
        std::fs::write(&path, foreign.to_string()).unwrap();
        let e = read_signed_file(&path).expect_err("foreign format");
        assert!(e.contains("unknown approval file format `other/2`"), "{e}");
        std::fs::write(&path, "not json").unwrap();
        let e = read_signed_file(&path).expect_err("not json");
        assert!(e.contains("not a pre-approval file"), "{e}");
        let e = read_signed_file(&dir.path().join("none.sig")).expect_err("missing");
        assert!(e.starts_with("cannot read it"), "{e}");
    }
}
