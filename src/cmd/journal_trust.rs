//! The runbook's side of `journal verify` (its `allowed_signers`, `seal` and anchor) and
//! `flightdeck journal push [ID]`: push the anchor ref by hand with the operator's own git.

use std::io::Write;
use std::path::Path;

use color_eyre::eyre::{Result, eyre};

use crate::exec::anchor;
use crate::journal::lock::{self, Acquire, LockInfo};
use crate::journal::verify_anchors::AnchorTarget;
use crate::journal::{Hasher, StateDir, TrustCheck, Writer};
use crate::release::Event;
use crate::runbook::Runbook;
use crate::runbook::load::load_file;

/// The runbook at `file`, when there is one that loads.
fn runbook(file: &Path) -> Option<Runbook> {
    load_file(file).ok().map(|l| l.runbook)
}

fn target(rb: &Runbook) -> Option<AnchorTarget> {
    rb.journal.anchor?;
    let git = rb.git.as_ref()?;
    Some(AnchorTarget {
        repo: rb.dir.join(&git.path),
        remote: rb.journal.remote.clone(),
    })
}

/// What `journal verify` checks beyond the chain, from the runbook at `file` (when it loads)
/// and the flags.
pub fn trust_check(file: &Path, allowed_signers: Option<&Path>, offline: bool) -> TrustCheck {
    let rb = runbook(file);
    TrustCheck {
        allowed_signers: allowed_signers
            .map(Path::to_path_buf)
            .or_else(|| rb.as_ref().and_then(Runbook::allowed_signers_path)),
        seal: rb
            .as_ref()
            .and_then(|r| r.trust.as_ref())
            .is_some_and(|t| t.seal),
        anchor: rb.as_ref().and_then(target),
        offline,
        signatures: true,
    }
}

/// `flightdeck journal push [ID]`: push `refs/flightdeck/<ID>` to `[journal] remote`.
pub fn push(
    file: &Path,
    dir: &StateDir,
    id: &str,
    out: &mut impl Write,
    err: &mut impl Write,
) -> Result<i32> {
    let shown = file.display();
    let rb = runbook(file).ok_or_else(|| {
        eyre!("{shown}: cannot load the runbook; `flightdeck check {shown}` says why")
    })?;
    let Some(AnchorTarget {
        repo,
        remote: Some(remote),
    }) = target(&rb)
    else {
        return Err(eyre!(
            "{shown}: nothing to push: the runbook needs `[journal] anchor = \"git\"`, `remote` and `[git] path`"
        ));
    };
    let path = dir.resolve(id)?;
    let release_id = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let name = anchor::refname(&release_id);
    let chain = anchor::read_chain(&repo, &name).map_err(|e| eyre!(e))?;
    let Some(newest) = chain.as_ref().and_then(|c| c.first()) else {
        writeln!(
            err,
            "no anchor {name} in {}: the release made none (anchors are made by `run` at each seal point)",
            repo.display()
        )?;
        return Ok(1);
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let masker = crate::logs::Masker::default();
    let pushed = rt.block_on(crate::exec::git_push::push(&repo, &remote, &name, &masker));
    let code = match &pushed {
        Ok(()) => {
            writeln!(
                out,
                "pushed {name} to {remote}: anchor {} at {} records, hash {}",
                &newest.0[..12],
                newest.1.count,
                newest.1.last_hash
            )?;
            0
        }
        Err(e) => {
            writeln!(err, "anchor push of {name} to {remote} failed: {e}")?;
            1
        }
    };
    let ev = Event::Anchor {
        refname: name,
        count: newest.1.count,
        last_hash: newest.1.last_hash.clone(),
        commit: newest.0.clone(),
        remote: Some(remote),
        pushed: pushed.is_ok(),
        error: pushed.err(),
    };
    if let Err(e) = journal(dir, &release_id, &ev) {
        writeln!(err, "note: the push is not journaled: {e:#}")?;
    }
    Ok(code)
}

/// Append `ev` to the release's journal, when no flightdeck holds the lock.
fn journal(dir: &StateDir, release_id: &str, ev: &Event) -> Result<()> {
    let operator = crate::exec::resolve::operator(None);
    let info = LockInfo::for_this_process(&operator, Some(release_id));
    match lock::acquire(dir, &info)? {
        Acquire::Taken => {}
        Acquire::HeldBy(h) | Acquire::Stale(h) => {
            return Err(eyre!("the state dir is locked ({})", h.describe()));
        }
    }
    let written = (|| -> Result<()> {
        let (mut w, _) = Writer::open_existing(dir, release_id, Hasher::from_env())?;
        let (kind, step, data) = ev.to_parts();
        let kind = crate::exec::runtime::journal_kind(&kind)?;
        w.append(&operator, &lock::hostname(), kind, step.as_deref(), data)?;
        Ok(())
    })();
    lock::release(dir)?;
    written
}
