//! Scheduling anchors (DESIGN.md §9.3): at each seal point, the head is committed onto
//! `refs/flightdeck/<release-id>` and, with `[journal] remote`, pushed in the background by one
//! task, in order. A failed push never blocks the release: it comes back as an `anchor` record
//! with `pushed = false` and is retried by the next anchor's push (the ref carries every
//! earlier anchor). At the end of a run the driver waits up to [`END_WAIT`] for pushes.
//! [`for_release`] builds a release's sealer and anchorer from its runbook.

use std::path::PathBuf;
use std::time::Duration;

use tokio::sync::mpsc;

use super::seal::{SealConfig, Sealer, operator_key};
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

/// The sealer and anchorer of a release driven from `writer`'s journal.
pub(super) fn for_release(
    r: &crate::exec::resolve::Resolved,
    writer: &crate::journal::Writer,
    operator: &str,
    masker: &crate::logs::Masker,
) -> (Sealer, Anchorer) {
    let rb = &r.runbook;
    let seal = rb.trust.as_ref().is_some_and(|t| t.seal);
    let repo = rb.git.as_ref().map(|g| r.path(&g.path));
    let anchorer = match (rb.journal.anchor, repo) {
        (Some(_), Some(repo)) => Anchorer::new(
            AnchorConfig {
                release_id: writer.release_id().to_owned(),
                repo,
                remote: rb.journal.remote.clone(),
                operator: operator.to_owned(),
            },
            masker.clone(),
        ),
        _ => Anchorer::off(),
    };
    let sealer = if seal || anchorer.on() {
        Sealer::new(SealConfig {
            release_id: writer.release_id().to_owned(),
            head: writer.path().with_extension("head"),
            seal,
            key: r.operator_key.clone().or_else(operator_key),
        })
    } else {
        Sealer::off()
    };
    (sealer, anchorer)
}

impl super::Driver {
    /// Nothing queued for the journal, no seal being made.
    fn quiet(&self) -> bool {
        self.sealer.idle()
            && self
                .journal
                .as_ref()
                .is_none_or(super::journal::Journal::idle)
    }

    /// Before the journal closes: let pending seals land, seal what was written since the last
    /// seal point (`exit`), and wait up to [`END_WAIT`] for anchor pushes, saying
    /// so on stderr.
    pub(super) async fn finish_seals(&mut self) {
        use std::io::Write;
        if (!self.sealer.on() && !self.anchorer.on()) || self.core.is_none() {
            return;
        }
        if !self.sealer.idle() {
            let _ = writeln!(
                std::io::stderr(),
                "sealing the journal (ssh-keygen -Y sign with the operator's key)…"
            );
        }
        while !self.quiet() && self.halted.is_none() {
            self.wait().await;
        }
        if self.sealer.unsealed && self.halted.is_none() {
            self.sealer.request("exit");
            while !self.quiet() && self.halted.is_none() {
                self.wait().await;
            }
        }
        if self.anchorer.pending() == 0 {
            return;
        }
        // Nothing is shown any more: no log stream piles up while the push finishes.
        self.sources.stop_display();
        let to = self
            .anchorer
            .remote()
            .unwrap_or("the repository")
            .to_owned();
        let _ = writeln!(
            std::io::stderr(),
            "waiting up to {}s for the journal anchor push to {to}…",
            END_WAIT.as_secs()
        );
        let deadline = tokio::time::Instant::now() + END_WAIT;
        while (self.anchorer.pending() > 0 || !self.quiet()) && self.halted.is_none() {
            if tokio::time::timeout_at(deadline, self.wait())
                .await
                .is_err()
            {
                let _ = writeln!(
                    std::io::stderr(),
                    "the journal anchor push to {to} did not finish in {}s; `flightdeck journal push` retries it",
                    END_WAIT.as_secs()
                );
                break;
            }
        }
    }
}
