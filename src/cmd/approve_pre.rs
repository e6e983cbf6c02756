//! `flightdeck approve --pre --release-version V --env E STEP -o FILE`: a pre-approval for a
//! headless run (DESIGN.md §9.2), bound to the runbook's SHA-256, the release name, the version,
//! the environment and the step, valid until `--expires` (default 24h). The answers file lists
//! it (`[approvals.STEP] signed = ["FILE"]`); the release checks and consumes it.

use std::io::Write;

use super::approve::{Signer, Stop};
use super::start::REFUSED;
use crate::cli::ApproveArgs;
use crate::runbook::{Runbook, StepKind};
use crate::trust::{self, ApprovalFile, Decision, Payload, approval_file};

/// Sign the pre-approval `a` asks for and write it to `-o FILE`.
pub(super) fn write(
    a: &ApproveArgs,
    rb: &Runbook,
    me: &Signer,
    out: &mut impl Write,
) -> Result<i32, Stop> {
    let (Some(version), Some(env), Some(output)) = (&a.pre_version, &a.pre_env, &a.output) else {
        return Err(Stop(
            2,
            "--pre needs --release-version V, --env NAME and -o FILE".into(),
        ));
    };
    let step = rb
        .steps
        .iter()
        .chain(&rb.rollback.steps)
        .find(|s| s.id == a.step && matches!(s.kind, StepKind::Approval { .. }));
    let Some(step) = step else {
        return Err(Stop(
            REFUSED,
            format!(
                "refused: {} has no approval step `{}`",
                rb.path.display(),
                a.step
            ),
        ));
    };
    let approvers: Option<Vec<String>> = step
        .approval
        .as_ref()
        .filter(|p| !p.approvers.is_empty())
        .map(|p| p.approvers.iter().map(|n| n.name.clone()).collect());
    let principal = me.principal_for(&step.id, approvers.as_deref())?;
    let valid = crate::runbook::duration::parse(&a.expires)
        .map_err(|e| Stop(2, format!("--expires {}: {e}", a.expires)))?;
    let now = chrono::Utc::now();
    let expires = chrono::TimeDelta::from_std(valid)
        .ok()
        .and_then(|d| now.checked_add_signed(d))
        .ok_or_else(|| Stop(2, format!("--expires {} is too far away", a.expires)))?;
    let payload = Payload {
        decision: if a.reject {
            Decision::Reject
        } else {
            Decision::Approve
        },
        environment: env.clone(),
        expires: Some(expires),
        journal_head: None,
        name: rb.release.name.clone(),
        reason: a.reason.clone(),
        release_id: None,
        runbook_sha256: rb.sha256.clone(),
        step: step.id.clone(),
        ts: now,
        version: version.clone(),
    };
    let signature = trust::sign(&payload.canonical(), &me.key)
        .map_err(|e| Stop(1, format!("cannot sign: {e}")))?;
    approval_file::write(output, &ApprovalFile::new(&payload, signature), 0o644)
        .map_err(|e| Stop(1, format!("cannot write {}: {e}", output.display())))?;
    writeln!(
        out,
        "pre-approval of `{}` by {principal} ({}) for {} {version} in {env}, valid until {}: {}",
        step.id,
        me.fingerprint,
        rb.release.name,
        trust::timestamp(expires),
        output.display()
    )
    .map_err(|e| Stop(1, e.to_string()))?;
    Ok(0)
}
