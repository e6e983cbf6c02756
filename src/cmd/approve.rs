//! `flightdeck approve STEP`: the approver, in their own shell, signs the approval step a
//! running release waits on (DESIGN.md §9.2) and drops it into the state dir's `inbox/`; the
//! release verifies it again and journals it. Exit 0 once recorded, 1 when it was not picked
//! up within 10 s, 4 when refused (why is printed), 2 for a usage error.

use std::io::Write;
use std::path::{Path, PathBuf};

use color_eyre::eyre::Result;

use super::load::state_dir;
use super::start::{REFUSED, latest_unfinished};
use crate::cli::ApproveArgs;
use crate::journal::{Head, StateDir, lock};
use crate::release::{ReleaseState, StepState, replay};
use crate::runbook::Runbook;
use crate::trust::{self, AllowedSigners, ApprovalFile, Decision, Payload, approval_file};

/// The `inbox/` of a state dir, where signed approvals are dropped.
pub fn inbox_dir(dir: &StateDir) -> PathBuf {
    dir.root.join("inbox")
}

/// A refusal or failure: its exit code and what to print.
pub(super) struct Stop(pub i32, pub String);

pub(super) fn refused(why: impl Into<String>) -> Stop {
    Stop(REFUSED, format!("refused: {}", why.into()))
}

/// The approver as `allowed_signers` knows their key.
pub(super) struct Signer {
    pub key: PathBuf,
    pub fingerprint: String,
    /// The literal principals the key may sign flightdeck payloads for.
    pub principals: Vec<String>,
}

impl Signer {
    /// The key at `key` among the allowed signers of `rb`: refused when it is not one.
    pub(super) fn of(rb: &Runbook, key: Option<&Path>) -> Result<Signer, Stop> {
        let Some(key) = key else {
            return Err(Stop(
                2,
                "approve needs your SSH key: --key PATH or FLIGHTDECK_KEY (a private key, or a public key whose private half is in ssh-agent)".into(),
            ));
        };
        let Some(path) = rb.allowed_signers_path() else {
            return Err(refused(format!(
                "{} has no [trust] allowed_signers: its approvals are given in the cockpit, not signed",
                rb.path.display()
            )));
        };
        let fingerprint = trust::fingerprint(key).map_err(|e| Stop(1, e.to_string()))?;
        let (signers, _) = AllowedSigners::read(&path).map_err(|e| {
            Stop(
                1,
                format!("cannot read allowed_signers {}: {e}", path.display()),
            )
        })?;
        let mut principals: Vec<String> = Vec::new();
        for e in &signers.entries {
            if e.fingerprint() != fingerprint || !e.signs_for_flightdeck() {
                continue;
            }
            for p in &e.principals {
                let literal = !p.starts_with('!') && !p.contains(['*', '?']);
                if literal && !principals.contains(p) {
                    principals.push(p.clone());
                }
            }
        }
        if principals.is_empty() {
            return Err(refused(format!(
                "the key {fingerprint} ({}) is not an allowed signer in {}: ask who keeps that file to add your public key for the `flightdeck` namespace",
                key.display(),
                path.display()
            )));
        }
        Ok(Signer {
            key: key.to_path_buf(),
            fingerprint,
            principals,
        })
    }

    /// The principal to approve as: the first of the key's that is among `approvers` (all of
    /// them when the step names none).
    pub(super) fn principal_for(
        &self,
        step: &str,
        approvers: Option<&[String]>,
    ) -> Result<String, Stop> {
        let pick = self
            .principals
            .iter()
            .find(|p| approvers.is_none_or(|a| a.contains(p)));
        pick.cloned().ok_or_else(|| {
            refused(format!(
                "{} ({}) is not among the approvers of `{step}` ({})",
                self.principals.join(", "),
                self.fingerprint,
                approvers.unwrap_or_default().join(", ")
            ))
        })
    }
}

pub fn run(a: &ApproveArgs, out: &mut impl Write, err: &mut impl Write) -> Result<i32> {
    match approve(a, out) {
        Ok(code) => Ok(code),
        Err(Stop(code, why)) => {
            writeln!(err, "{why}")?;
            Ok(code)
        }
    }
}

fn approve(a: &ApproveArgs, out: &mut impl Write) -> Result<i32, Stop> {
    if a.reject && a.reason.trim().is_empty() {
        return Err(Stop(
            2,
            "--reject needs --reason TEXT (why the step must not go on)".into(),
        ));
    }
    let rb = match crate::runbook::load::load_file(&a.file) {
        Ok(l) => l.runbook,
        Err(_) => {
            return Err(Stop(
                1,
                format!(
                    "{}: invalid runbook; `flightdeck check {}` lists every error",
                    a.file.display(),
                    a.file.display()
                ),
            ));
        }
    };
    let me = Signer::of(&rb, a.key.as_deref())?;
    if a.pre {
        return super::approve_pre::write(a, &rb, &me, out);
    }
    let dir = state_dir(
        &a.file,
        a.state_dir.as_deref(),
        rb.release.shared_group.clone(),
    );
    let live = matches!(lock::peek(&dir), Ok(Some(lock::Acquire::HeldBy(_))));
    let found = latest_unfinished(&dir, &rb.release.name).map_err(|e| Stop(1, e.to_string()))?;
    let found = found.and_then(|(id, _)| Some((id.clone(), live_state(&dir, &id)?)));
    let Some((id, st)) = found.filter(|_| live) else {
        return Err(refused(format!(
            "no release of `{}` is running in {} (no flightdeck holds its lock): nothing waits on step `{}`",
            rb.release.name,
            dir.root.display(),
            a.step
        )));
    };
    let step = waiting(&st, &a.step)?;
    let principal = me.principal_for(&step.id, step.info.approvers.as_deref())?;
    let mine = |p: &String| st.is_operator(p, Some(&me.fingerprint));
    if !step.info.self_approval && me.principals.iter().any(mine) {
        return Err(refused(format!(
            "`{principal}` ({}) is the operator of release {id}: an operator never approves their own release (self_approval = false)",
            me.fingerprint
        )));
    }
    if step.approvals.iter().any(|x| x.principal == principal) {
        return Err(refused(format!(
            "`{principal}` already approved `{}` in this release",
            step.id
        )));
    }
    if !a.reject && step.info.reason_required && a.reason.trim().is_empty() {
        return Err(Stop(
            2,
            format!("step `{}` needs a reason: --reason TEXT", step.id),
        ));
    }
    let head = Head::read(&dir.head_path(&id)).map_err(|e| Stop(1, e.to_string()))?;
    show(out, &st, step, &id, &head, &principal, &me, a).map_err(|e| Stop(1, e.to_string()))?;
    if !a.yes && !confirmed(a.reject) {
        return Err(Stop(1, "not confirmed: nothing was signed".into()));
    }
    let signing = Signing {
        st: &st,
        step,
        head: &head,
        principal: &principal,
        runbook_sha256: &rb.sha256,
    };
    let (signature, name) = sign_and_drop(a, &dir, &signing, &me)?;
    super::approve_wait::wait_recorded(&dir, &id, &step.id, &signature, &name, out)
}

/// What an approval is signed for: the release, its waiting step, the journal head, the
/// principal, and the runbook as the approver's copy reads.
struct Signing<'a> {
    st: &'a ReleaseState,
    step: &'a StepState,
    head: &'a Head,
    principal: &'a str,
    runbook_sha256: &'a str,
}

/// Sign the approval of `step` and drop it into the inbox: its signature and file name.
fn sign_and_drop(
    a: &ApproveArgs,
    dir: &StateDir,
    g: &Signing<'_>,
    me: &Signer,
) -> Result<(String, PathBuf), Stop> {
    let Signing {
        st,
        step,
        head,
        principal,
        runbook_sha256,
    } = *g;
    let id = st.release_id.clone();
    let payload = Payload {
        decision: if a.reject {
            Decision::Reject
        } else {
            Decision::Approve
        },
        environment: st.environment.clone(),
        expires: None,
        journal_head: Some(head.last_hash.clone()),
        name: st.name.clone(),
        reason: a.reason.clone(),
        release_id: Some(id.clone()),
        runbook_sha256: runbook_sha256.to_owned(),
        step: step.id.clone(),
        ts: chrono::Utc::now(),
        version: st.version.clone(),
    };
    let text = payload.canonical();
    let signature =
        trust::sign(&text, &me.key).map_err(|e| Stop(1, format!("cannot sign: {e}")))?;
    let file = ApprovalFile::new(&payload, signature.clone());
    let inbox = inbox_dir(dir);
    if !inbox.is_dir() {
        return Err(refused(format!(
            "{} does not exist: the running release does not take signed approvals (is it an older flightdeck?)",
            inbox.display()
        )));
    }
    let name =
        approval_file::inbox_name(&step.id, principal, chrono::Utc::now().timestamp_millis());
    let mode = if dir.shared_group.is_some() {
        0o640
    } else {
        0o600
    };
    approval_file::write(&inbox.join(&name), &file, mode)
        .map_err(|e| Stop(1, format!("cannot write into {}: {e}", inbox.display())))?;
    Ok((signature, name))
}

/// The state of a release that is running: its journal folded without marking the running
/// step interrupted (as a resume would).
fn live_state(dir: &StateDir, id: &str) -> Option<ReleaseState> {
    let read = crate::journal::read(&dir.journal_path(id)).ok()?;
    let mut st = ReleaseState::default();
    for r in &read.records {
        let (ev, at) = replay::event_of(r).ok()?;
        st.apply(&ev, at);
    }
    Some(st)
}

/// The approval step `step` when the release waits on it.
fn waiting<'a>(st: &'a ReleaseState, step: &str) -> Result<&'a StepState, Stop> {
    let running = st.running().map(|(p, i)| &st.list(p)[i]);
    match running {
        Some(s) if s.id == step && s.kind == crate::runbook::StepType::Approval => Ok(s),
        Some(s) => Err(refused(format!(
            "release {} does not wait on step `{step}`: step `{}` ({}) is running",
            st.release_id, s.id, s.kind
        ))),
        None => Err(refused(format!(
            "release {} does not wait on step `{step}`: no step is running",
            st.release_id
        ))),
    }
}

/// What is being approved, before asking.
#[allow(clippy::too_many_arguments)]
fn show(
    out: &mut impl Write,
    st: &ReleaseState,
    step: &StepState,
    id: &str,
    head: &Head,
    principal: &str,
    me: &Signer,
    a: &ApproveArgs,
) -> std::io::Result<()> {
    let protected = if st.protected { " (protected)" } else { "" };
    writeln!(out, "release      {id}")?;
    writeln!(
        out,
        "             {} {} → {}{protected}",
        st.name, st.version, st.environment
    )?;
    writeln!(
        out,
        "step         {}: {} — {}/{} approvals",
        step.id,
        step.title,
        step.approvals.len(),
        step.approvals_needed()
    )?;
    let rest: Vec<&str> = st
        .steps
        .iter()
        .filter(|s| !s.status.is_done())
        .map(|s| s.id.as_str())
        .collect();
    writeln!(out, "still to run {}", rest.join(" · "))?;
    writeln!(
        out,
        "journal head {} records, {}",
        head.count, head.last_hash
    )?;
    writeln!(out, "signed by    {principal} ({})", me.fingerprint)?;
    let what = if a.reject { "REJECT" } else { "approve" };
    if a.reason.is_empty() {
        writeln!(out, "decision     {what}")?;
    } else {
        writeln!(out, "decision     {what}: {}", a.reason)?;
    }
    out.flush()
}

fn confirmed(reject: bool) -> bool {
    let q = if reject {
        "reject? [y/N] "
    } else {
        "approve? [y/N] "
    };
    crate::plain::ask_tty(q)
        .is_some_and(|l| l.eq_ignore_ascii_case("y") || l.eq_ignore_ascii_case("yes"))
}
