//! Starting a release: its `release-started` event, its id, the refusals, the lock.

use color_eyre::eyre::{Result, eyre};

use crate::exec::resolve::Resolved;
use crate::journal::{self, LockInfo, StateDir, lock};
use crate::plain::now_ms;
use crate::release::{Event, ReleasePhase, ReleaseState, ReleaseTrust, StepInfo, replay};
use crate::runbook::{Evidence, Step, StepKind};

/// Exit code: refused (lock, protected environment, operator not allowed).
pub const REFUSED: i32 = 4;

/// A step's title as the cockpit and `plan` show it. Titles may use variables; one that needs a
/// value not known yet (a capture) stays as written.
pub fn step_title(s: &Step, ctx: &crate::runbook::Context) -> String {
    crate::runbook::render(&crate::runbook::Tpl::new(s.title.clone(), 0..0), ctx)
        .unwrap_or_else(|_| s.title.clone())
}

fn info(s: &Step, ctx: &crate::runbook::Context) -> StepInfo {
    let (evidence_required, approvers, reason_required) = match &s.kind {
        StepKind::Manual { evidence, .. } => (*evidence == Evidence::Required, None, false),
        StepKind::Approval {
            approvers,
            reason_required,
        } => (false, approvers.clone(), *reason_required),
        _ => (false, None, false),
    };
    let title = step_title(s, ctx);
    let duration_ms = match &s.kind {
        StepKind::Watch { duration, .. } => crate::runbook::render_duration(duration, ctx)
            .ok()
            .and_then(|d| u64::try_from(d.as_millis()).ok()),
        _ => None,
    };
    let policy = s.approval.as_ref();
    StepInfo {
        id: s.id.clone(),
        title,
        kind: s.kind.step_type(),
        evidence_required,
        approvers,
        reason_required,
        duration_ms,
        background: matches!(
            s.kind,
            StepKind::Watch {
                background: true,
                ..
            }
        ),
        min_approvals: policy.map(|p| p.min_approvals).filter(|n| *n > 1),
        self_approval: policy.is_some_and(|p| p.self_approval),
        approval_timeout_ms: policy
            .and(s.timeout.as_ref())
            .and_then(|d| crate::runbook::render_duration(d, ctx).ok())
            .and_then(|d| u64::try_from(d.as_millis()).ok()),
        wait_for: s.wait_for.clone(),
    }
}

/// The operator's identity for a runbook with `[trust]` (DESIGN.md §9.2): the operator's name,
/// the `allowed_signers` principals of their key (`--key` / `FLIGHTDECK_KEY`) and its
/// fingerprint, and whether this environment's approvals must be signed. `None` without
/// `[trust]` (approvals are names, as before).
pub fn release_trust(r: &Resolved, key: Option<&std::path::Path>) -> Option<ReleaseTrust> {
    r.runbook.trust.as_ref()?;
    let mut principals = vec![r.ctx.operator.clone()];
    let operator_key = key.and_then(|k| crate::trust::fingerprint(k).ok());
    if let (Some(fp), Some(path)) = (&operator_key, r.runbook.allowed_signers_path())
        && let Ok((signers, _)) = crate::trust::AllowedSigners::read(&path)
    {
        for e in signers.entries.iter().filter(|e| &e.fingerprint() == fp) {
            for p in &e.principals {
                if !p.starts_with('!') && !principals.contains(p) {
                    principals.push(p.clone());
                }
            }
        }
    }
    Some(ReleaseTrust {
        signed_approvals: r.runbook.signs_approvals(&r.env_name),
        operator_principals: principals,
        operator_key,
    })
}

/// The `release-started` event for `r`.
pub fn release_started(r: &Resolved, release_id: &str, drill: bool) -> Event {
    release_started_with(r, release_id, drill, None)
}

/// The `release-started` event for `r` run by the holder of `key` (`--key`).
pub fn release_started_with(
    r: &Resolved,
    release_id: &str,
    drill: bool,
    key: Option<&std::path::Path>,
) -> Event {
    Event::ReleaseStarted {
        release_id: release_id.to_owned(),
        name: r.runbook.release.name.clone(),
        environment: r.env_name.clone(),
        version: r.ctx.version.clone(),
        protected: r.protected,
        runbook: r.runbook.path.display().to_string(),
        previous: r.ctx.previous.clone(),
        lkg: r.ctx.lkg.clone(),
        drill,
        steps: r.runbook.steps.iter().map(|s| info(s, &r.ctx)).collect(),
        rollback_steps: r
            .runbook
            .rollback
            .steps
            .iter()
            .map(|s| info(s, &r.ctx))
            .collect(),
        trust: release_trust(r, key).map(Box::new),
        runbook_sha256: Some(r.runbook.sha256.clone()),
    }
}

/// A release id not used yet in `dir`: two releases started in the same second get
/// consecutive seconds, so ids stay `<name>-<version>-<yyyymmddThhmmssZ>`.
pub fn free_release_id(dir: &StateDir, name: &str, version: &str) -> String {
    let mut t = now_ms();
    loop {
        let id = journal::release_id(name, version, t);
        if !dir.journal_path(&id).exists() {
            return id;
        }
        t += chrono::Duration::seconds(1);
    }
}

/// Refuse what policy forbids before anything is written. Returns a message for exit 4.
pub fn refusal(r: &Resolved, auto_approve: bool) -> Option<String> {
    if auto_approve && r.protected {
        return Some(format!(
            "refused: --auto-approve is not allowed in the protected environment `{}`; give the answers in a file with --answers FILE",
            r.env_name
        ));
    }
    if let Some(allowed) = &r.runbook.release.operators
        && !allowed.iter().any(|o| o == &r.ctx.operator)
    {
        return Some(format!(
            "refused: operator `{}` is not in release.operators ({}); pass --operator NAME if you are one of them",
            r.ctx.operator,
            allowed.join(", ")
        ));
    }
    None
}

/// The refusal when a live process (or another host) holds the lock.
pub fn held_by(holder: &LockInfo) -> String {
    format!(
        "refused: the release lock is held by {}; watch it with `flightdeck observe`",
        holder.describe()
    )
}

/// Someone else's release runs: its lock is reported before anything about resuming, so a
/// second operator is never told to resume a release that is running. A stale lock is not
/// reported here: it waits for `take_lock`, after the question of resuming.
pub fn refused_by_live_lock(dir: &StateDir) -> Result<Option<String>> {
    Ok(match lock::peek(dir)? {
        Some(lock::Acquire::HeldBy(h)) => Some(held_by(&h)),
        _ => None,
    })
}

/// Take the release lock, or say who holds it.
pub fn take_lock(
    dir: &StateDir,
    operator: &str,
    release: Option<&str>,
    take_over: bool,
) -> Result<std::result::Result<Option<LockInfo>, String>> {
    let me = LockInfo {
        operator: operator.to_owned(),
        host: lock::hostname(),
        pid: std::process::id(),
        started: now_ms().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        release: release.map(str::to_owned),
    };
    Ok(match lock::acquire(dir, &me)? {
        lock::Acquire::Taken => Ok(None),
        lock::Acquire::HeldBy(h) => Err(held_by(&h)),
        lock::Acquire::Stale(h) if take_over => {
            lock::take_over(dir, &me)?;
            Ok(Some(h))
        }
        lock::Acquire::Stale(h) => Err(format!(
            "refused: a stale lock is left by {} (that process is gone); pass --take-over to take it over",
            h.describe()
        )),
    })
}

/// The newest release of `name` in `dir`, when it is unfinished.
pub fn latest_unfinished(dir: &StateDir, name: &str) -> Result<Option<(String, ReleaseState)>> {
    if !dir.journal_dir().is_dir() {
        return Ok(None);
    }
    for entry in dir.list()? {
        let read = journal::read(&entry.path)?;
        let st = replay::from_records(&read.records)
            .map_err(|e| eyre!("{}: {e}", entry.path.display()))?;
        if st.name != name {
            continue;
        }
        return Ok(
            (!st.is_finished() && st.phase != ReleasePhase::NotStarted).then_some((entry.id, st))
        );
    }
    Ok(None)
}

/// Releases the release lock when dropped: on every exit path, a panic's unwinding included.
pub struct LockGuard<'a>(pub &'a StateDir);

impl Drop for LockGuard<'_> {
    fn drop(&mut self) {
        let _ = lock::release(self.0);
    }
}
