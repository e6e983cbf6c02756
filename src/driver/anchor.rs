//! Scheduling anchors (DESIGN.md §9.3): at each seal point, the head is committed onto
//! `refs/flightdeck/<release-id>` and, with `[journal] remote`, pushed in the background by one
//! task, in order. A failed push never blocks the release: it comes back as an `anchor` record
//! with `pushed = false` and is retried by the next anchor's push (the ref carries every
//! earlier anchor). At the end of a run the driver waits up to [`END_WAIT`] for pushes.

use std::path::PathBuf;
use std::time::Duration;

use tokio::sync::mpsc;

use crate::exec::anchor::{AnchorHead, AnchorSeal, commit, refname};
use crate::logs::Masker;
use crate::release::Event;

/// How long the end of a run waits for pending pushes.
pub const END_WAIT: Duration = Duration::from_secs(30);

/// Where a release is anchored.
#[derive(Debug, Clone)]
pub struct AnchorConfig {
    pub release_id: String,
    /// The `[git] path` repository.
    pub repo: PathBuf,
    pub remote: Option<String>,
    /// Author and committer of the anchor commits.
    pub operator: String,
}

/// One anchor to make: the head (and the seal over it, when signed).
pub struct Job {
    pub count: u64,
    pub last_hash: String,
    pub seal: Option<AnchorSeal>,
}

/// The driver's side of anchoring.
pub struct Anchorer {
    jobs: Option<mpsc::UnboundedSender<Job>>,
    done: mpsc::UnboundedReceiver<Event>,
    pending: usize,
    remote: Option<String>,
}

impl Anchorer {
    /// No anchors (observing, or no `[journal] anchor`).
    pub fn off() -> Anchorer {
        let (_, done) = mpsc::unbounded_channel();
        Anchorer {
            jobs: None,
            done,
            pending: 0,
            remote: None,
        }
    }

    pub fn new(cfg: AnchorConfig, masker: Masker) -> Anchorer {
        let (jobs, mut rx) = mpsc::unbounded_channel::<Job>();
        let (tx, done) = mpsc::unbounded_channel();
        let remote = cfg.remote.clone();
        tokio::spawn(async move {
            while let Some(job) = rx.recv().await {
                let ev = anchor(&cfg, job, &masker).await;
                if tx.send(ev).is_err() {
                    break;
                }
            }
        });
        Anchorer {
            jobs: Some(jobs),
            done,
            pending: 0,
            remote,
        }
    }

    pub fn on(&self) -> bool {
        self.jobs.is_some()
    }

    pub fn request(&mut self, job: Job) {
        if let Some(jobs) = &self.jobs
            && jobs.send(job).is_ok()
        {
            self.pending += 1;
        }
    }

    /// Anchors being made or pushed.
    pub fn pending(&self) -> usize {
        self.pending
    }

    pub fn remote(&self) -> Option<&str> {
        self.remote.as_deref()
    }

    /// The next anchor's record.
    pub async fn next(&mut self) -> Event {
        if self.pending == 0 {
            return std::future::pending().await;
        }
        if let Some(ev) = self.done.recv().await {
            self.pending -= 1;
            ev
        } else {
            self.pending = 0;
            std::future::pending().await
        }
    }
}

/// Commit the anchor, push it, and say how it went.
async fn anchor(cfg: &AnchorConfig, job: Job, masker: &Masker) -> Event {
    let name = refname(&cfg.release_id);
    let head = AnchorHead {
        release_id: cfg.release_id.clone(),
        count: job.count,
        last_hash: job.last_hash.clone(),
        seal: job.seal,
    };
    let (repo, operator) = (cfg.repo.clone(), cfg.operator.clone());
    let made = tokio::task::spawn_blocking(move || commit(&repo, &head, &operator))
        .await
        .unwrap_or_else(|e| Err(format!("the anchor task failed: {e}")));
    let record = |commit: String, pushed: bool, error: Option<String>| Event::Anchor {
        refname: name.clone(),
        count: job.count,
        last_hash: job.last_hash.clone(),
        commit,
        remote: cfg.remote.clone(),
        pushed,
        error,
    };
    let commit = match made {
        Ok(c) => c,
        Err(e) => return record(String::new(), false, Some(masker.mask(&e).into_owned())),
    };
    let Some(remote) = &cfg.remote else {
        return record(commit, false, None);
    };
    match crate::exec::git_push::push(&cfg.repo, remote, &name, masker).await {
        Ok(()) => record(commit, true, None),
        Err(e) => record(commit, false, Some(e)),
    }
}
