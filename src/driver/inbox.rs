//! The approvals inbox (DESIGN.md §9.2): `flightdeck approve` drops signed approvals into the
//! state dir's `inbox/`; this source sees them through file events (`notify`, no polling; one
//! scan at start), verifies each again on its own thread (`ssh-keygen -Y verify` against the
//! runbook's `allowed_signers`, and the payload bound to this release: id, runbook SHA-256,
//! name, environment, version, and a `journal_head` that is a hash of this release's chain), and
//! hands it to the core as `Msg::Signed`. A file that fails, or that the core refuses, moves to
//! `inbox/rejected/` with a journaled note saying why; a recorded one is removed once its
//! record is durable.

use std::collections::{HashMap, HashSet};
use std::os::unix::fs::{DirBuilderExt as _, PermissionsExt as _};
use std::path::{Path, PathBuf};

use notify::Watcher as _;
use tokio::sync::mpsc;

use super::{Driver, now_ms};
use crate::journal::{Head, StateDir};
use crate::release::{Event, Msg, ReleaseState, SignedApproval};
use crate::trust::{self, ApprovalFile, Decision, Payload};

/// The `action` of the note journaled when an inbox file is refused (`approve` looks for it).
pub const INBOX_REFUSED: &str = "approval-refused";

/// What an approval must be bound to, to count in this release.
#[derive(Debug, Clone)]
pub struct Binding {
    pub release_id: String,
    pub runbook_sha256: String,
    pub name: String,
    pub environment: String,
    pub version: String,
    pub allowed_signers: PathBuf,
    pub journal: PathBuf,
    pub head: PathBuf,
    /// Each approval step's `approvers` (to pick the principal of a key that has several).
    pub approvers: HashMap<String, Vec<String>>,
}

/// One inbox file, read and verified (or not).
#[derive(Debug)]
pub enum Item {
    Verified(PathBuf, Box<SignedApproval>),
    Invalid(PathBuf, String),
}

/// The inbox of a driver: where it is, the watcher once started, and the files whose approval
/// waits to be durable.
pub struct Slot {
    dir: Option<StateDir>,
    watcher: Option<notify::RecommendedWatcher>,
    pub(super) rx: mpsc::UnboundedReceiver<Item>,
    tx: mpsc::UnboundedSender<Item>,
    /// Signature → the file it came in.
    pending: HashMap<String, PathBuf>,
}

impl Default for Slot {
    fn default() -> Self {
        let (tx, rx) = mpsc::unbounded_channel();
        Slot {
            dir: None,
            watcher: None,
            rx,
            tx,
            pending: HashMap::new(),
        }
    }
}

impl Slot {
    /// Take approvals from `dir`'s inbox once the release is known.
    pub fn at(&mut self, dir: StateDir) {
        self.dir = Some(dir);
    }
}

/// `inbox/` and `inbox/rejected/`, created for the operator; with `release.shared_group`,
/// group-writable and setgid so approvers on their own accounts can drop files.
pub fn make_dirs(dir: &StateDir) -> std::io::Result<PathBuf> {
    let inbox = dir.root.join("inbox");
    let mode = if dir.shared_group.is_some() {
        0o2770
    } else {
        0o700
    };
    let gid = match &dir.shared_group {
        Some(g) => nix::unistd::Group::from_name(g)
            .ok()
            .flatten()
            .map(|g| g.gid),
        None => None,
    };
    for d in [inbox.clone(), inbox.join("rejected")] {
        if !d.is_dir() {
            std::fs::DirBuilder::new()
                .recursive(true)
                .mode(mode)
                .create(&d)?;
        }
        // Touch only what differs: another operator's inbox that is already right stays as is.
        let meta = std::fs::metadata(&d)?;
        if let Some(gid) = gid
            && std::os::unix::fs::MetadataExt::gid(&meta) != gid.as_raw()
        {
            nix::unistd::chown(&d, None, Some(gid)).map_err(std::io::Error::other)?;
        }
        if meta.permissions().mode() & 0o7777 != mode {
            std::fs::set_permissions(&d, std::fs::Permissions::from_mode(mode))?;
        }
    }
    Ok(inbox)
}

impl Driver {
    /// Start watching the inbox, when the runbook has `[trust]` and the release has begun.
    pub(super) fn start_inbox(&mut self) {
        let slot = &mut self.sources.inbox;
        if slot.watcher.is_some() {
            return;
        }
        let (Some(dir), Some(core), Some(r)) = (&slot.dir, &self.core, &self.resolved) else {
            return;
        };
        let st = &core.st;
        let Some(allowed_signers) = r.runbook.allowed_signers_path() else {
            return;
        };
        if st.release_id.is_empty() {
            return;
        }
        let binding = binding(st, dir, allowed_signers, &r.runbook.sha256);
        let started = make_dirs(dir).and_then(|inbox| {
            spawn(inbox, binding, slot.tx.clone()).map_err(std::io::Error::other)
        });
        match started {
            Ok(w) => slot.watcher = Some(w),
            Err(e) => self.out.push_back(super::DriverEvent::Refused(format!(
                "signed approvals cannot be taken: the inbox in {} cannot be watched: {e}",
                dir.root.display()
            ))),
        }
    }

    /// An inbox file read by the watcher: to the core, or refused.
    pub(super) fn on_inbox(&mut self, item: Item) {
        match item {
            Item::Verified(path, a) => {
                let signature = a.signature.clone();
                let step = a.step.clone();
                match self.send_at(Msg::Signed(a), now_ms()) {
                    Ok(()) => {
                        self.sources.inbox.pending.insert(signature, path);
                    }
                    Err(why) => self.refuse_file(&path, Some(step), &why),
                }
            }
            Item::Invalid(path, why) => self.refuse_file(&path, None, &why),
        }
    }

    /// Move a refused file to `inbox/rejected/` and journal why.
    fn refuse_file(&mut self, path: &Path, step: Option<String>, why: &str) {
        let name = path.file_name().map(PathBuf::from).unwrap_or_default();
        if let Some(parent) = path.parent() {
            let _ = std::fs::rename(path, parent.join("rejected").join(&name));
        }
        let text = format!(
            "approval file {} refused: {why}; moved to inbox/rejected/",
            name.display()
        );
        self.internal(
            Msg::Record(Event::Note {
                step,
                phase: None,
                action: Some(INBOX_REFUSED.into()),
                text,
                extend_ms: None,
            }),
            now_ms(),
        );
    }

    /// A durable record: start the inbox after `release-started`; remove the file of an
    /// approval now recorded.
    pub(super) fn inbox_durable(&mut self, ev: &Event) {
        match ev {
            Event::ReleaseStarted { .. } => self.start_inbox(),
            Event::Approval {
                signature: Some(s), ..
            } => {
                if let Some(path) = self.sources.inbox.pending.remove(s) {
                    let _ = std::fs::remove_file(path);
                }
            }
            _ => {}
        }
    }
}

fn binding(
    st: &ReleaseState,
    dir: &StateDir,
    allowed_signers: PathBuf,
    runbook_sha256: &str,
) -> Binding {
    Binding {
        release_id: st.release_id.clone(),
        runbook_sha256: runbook_sha256.to_owned(),
        name: st.name.clone(),
        environment: st.environment.clone(),
        version: st.version.clone(),
        allowed_signers,
        journal: dir.journal_path(&st.release_id),
        head: dir.head_path(&st.release_id),
        approvers: st
            .steps
            .iter()
            .chain(&st.rollback_steps)
            .filter_map(|s| Some((s.id.clone(), s.info.approvers.clone()?)))
            .collect(),
    }
}

/// Watch `inbox` (file events into a thread that reads and verifies each new file once).
fn spawn(
    inbox: PathBuf,
    binding: Binding,
    tx: mpsc::UnboundedSender<Item>,
) -> notify::Result<notify::RecommendedWatcher> {
    // Events name absolute paths: compare against the inbox's canonical path.
    let inbox = std::fs::canonicalize(&inbox).unwrap_or(inbox);
    let (ev_tx, ev_rx) = std::sync::mpsc::channel::<Vec<PathBuf>>();
    let mut watcher = notify::recommended_watcher(move |res: notify::Result<notify::Event>| {
        if let Ok(ev) = res
            && complete(ev.kind)
        {
            let _ = ev_tx.send(ev.paths);
        }
    })?;
    watcher.watch(&inbox, notify::RecursiveMode::NonRecursive)?;
    let first: Vec<PathBuf> = std::fs::read_dir(&inbox)
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    std::thread::Builder::new()
        .name("flightdeck-inbox".into())
        .spawn(move || {
            let mut seen = HashSet::new();
            let mut take = |paths: Vec<PathBuf>| {
                for p in paths {
                    if is_candidate(&inbox, &p) && p.is_file() && seen.insert(p.clone()) {
                        let item = match check(&p, &binding) {
                            Ok(a) => Item::Verified(p, Box::new(a)),
                            Err(why) => Item::Invalid(p, why),
                        };
                        if tx.send(item).is_err() {
                            return false;
                        }
                    }
                }
                true
            };
            if !take(first) {
                return;
            }
            // Ends when the watcher (and its sender) is dropped.
            while let Ok(paths) = ev_rx.recv() {
                if !take(paths) {
                    return;
                }
            }
        })
        .map_err(|e| notify::Error::generic(&e.to_string()))?;
    Ok(watcher)
}

/// An event after which a file is complete: renamed into place (as `approve` writes), or
/// closed after writing (a plain copy). A bare create is not: the file may still be empty.
fn complete(kind: notify::EventKind) -> bool {
    use notify::event::{AccessKind, AccessMode, ModifyKind};
    matches!(
        kind,
        notify::EventKind::Modify(ModifyKind::Name(_))
            | notify::EventKind::Access(AccessKind::Close(AccessMode::Write))
    )
}

/// A file directly in the inbox, not hidden (temporaries start with `.`), ending `.json`.
fn is_candidate(inbox: &Path, p: &Path) -> bool {
    p.parent()
        .is_some_and(|d| d == inbox || std::fs::canonicalize(d).is_ok_and(|d| d == inbox))
        && p.extension().is_some_and(|e| e == "json")
        && p.file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| !n.starts_with('.'))
}

/// Read and verify one inbox file against the release.
pub fn check(path: &Path, b: &Binding) -> Result<SignedApproval, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read it: {e}"))?;
    let (file, payload) = ApprovalFile::parse(&text)?;
    bound(&payload, b)?;
    in_chain(payload.journal_head.as_deref().unwrap_or_default(), b)?;
    let v = trust::verify(&file.payload, &file.signature, &b.allowed_signers)
        .map_err(|e| e.to_string())?;
    let approvers = b.approvers.get(&payload.step);
    let principal = v
        .principals
        .iter()
        .find(|p| approvers.is_none_or(|a| a.contains(p)))
        .unwrap_or(&v.principal)
        .clone();
    Ok(signed(file, payload, principal, v.fingerprint))
}

fn signed(file: ApprovalFile, p: Payload, principal: String, key: String) -> SignedApproval {
    SignedApproval {
        step: p.step,
        principal,
        key,
        approve: p.decision == Decision::Approve,
        reason: p.reason,
        payload: file.payload,
        signature: file.signature,
        consumed: None,
    }
}

/// The payload is for this release.
fn bound(p: &Payload, b: &Binding) -> Result<(), String> {
    if p.is_pre_approval() {
        return Err(
            "a pre-approval goes in the answers file ([approvals.STEP] signed), not the inbox"
                .into(),
        );
    }
    let checks = [
        (
            "release",
            p.release_id.as_deref().unwrap_or_default(),
            b.release_id.as_str(),
        ),
        ("runbook SHA-256", &p.runbook_sha256, &b.runbook_sha256),
        ("release name", &p.name, &b.name),
        ("environment", &p.environment, &b.environment),
        ("version", &p.version, &b.version),
    ];
    for (what, got, want) in checks {
        if got != want {
            return Err(format!(
                "it is for {what} `{got}`, this release has `{want}`"
            ));
        }
    }
    Ok(())
}

/// `journal_head` is the hash of a line of this release's journal.
fn in_chain(head: &str, b: &Binding) -> Result<(), String> {
    if Head::read(&b.head).is_ok_and(|h| h.last_hash == head) {
        return Ok(());
    }
    let read = crate::journal::read(&b.journal).map_err(|e| e.to_string())?;
    // Each record's `prev` is the hash of the line before it.
    if read.records.iter().skip(1).any(|r| r.prev == head) {
        return Ok(());
    }
    Err(format!(
        "its journal_head {head} is not a record of release {}'s journal",
        b.release_id
    ))
}

#[cfg(test)]
#[path = "inbox_tests.rs"]
mod tests;
