//! The revisions watcher: reads git, every command source and every version endpoint at start,
//! every [`EVERY`] and on demand, and sends each reading as an owned [`RevisionsMsg`] as soon as
//! it is in (a slow source never holds back the others). It shares no state with the UI.

use std::path::PathBuf;
use std::time::Duration;

use chrono::Utc;
use futures::StreamExt;
use futures::stream::FuturesUnordered;
use tokio::sync::mpsc;

use super::git;
use super::{endpoint, revisions};
use crate::exec::resolve::Resolved;
use crate::model::revisions::{RevisionsModel, RevisionsMsg, SourceData, SourceState};
use crate::runbook::template::{render, render_shell};
use crate::runbook::{RevisionFields, RevisionSource};

/// How often the watcher reads everything again.
pub const EVERY: Duration = Duration::from_secs(30);

/// What `[git]` asks for.
#[derive(Debug, Clone)]
pub struct GitSpec {
    pub path: PathBuf,
    pub release_tags: String,
    pub lkg_tags: Vec<String>,
    pub version: String,
    /// Rolled-back versions `previous` passes over (as `resolve` read them).
    pub rolled_back: crate::exec::rolled_back::RolledBack,
}

/// One `[[revisions]]` source with its templates rendered (or the reason they could not be).
#[derive(Debug, Clone)]
pub enum Probe {
    Command {
        name: String,
        command: Result<String, String>,
        fields: RevisionFields,
    },
    Url {
        name: String,
        url: Result<String, String>,
        version: String,
        sha: Option<String>,
    },
}

impl Probe {
    pub fn name(&self) -> &str {
        match self {
            Probe::Command { name, .. } | Probe::Url { name, .. } => name,
        }
    }
}

/// Everything the watcher reads, resolved once.
#[derive(Debug, Clone)]
pub struct Plan {
    pub git: Option<GitSpec>,
    pub probes: Vec<Probe>,
    /// Where commands run: the runbook's directory.
    pub dir: PathBuf,
    pub timeout: Duration,
}

impl Plan {
    pub fn from_resolved(r: &Resolved) -> Plan {
        let rb = &r.runbook;
        let git = rb.git.as_ref().map(|g| GitSpec {
            path: r.path(&g.path),
            release_tags: g.release_tags.clone(),
            lkg_tags: g.lkg_tags.clone(),
            version: r.ctx.version.clone(),
            rolled_back: r.rolled_back.clone(),
        });
        let probes = rb
            .revisions
            .iter()
            .map(|s| match s {
                RevisionSource::Command {
                    name,
                    command,
                    fields,
                } => Probe::Command {
                    name: name.clone(),
                    command: render_shell(command, &r.ctx).map_err(|e| e.message),
                    fields: fields.clone(),
                },
                RevisionSource::Url {
                    name,
                    url,
                    version,
                    sha,
                } => Probe::Url {
                    name: name.clone(),
                    url: render(url, &r.ctx).map_err(|e| e.message),
                    version: version.clone(),
                    sha: sha.clone(),
                },
            })
            .collect();
        Plan {
            git,
            probes,
            dir: rb.dir.clone(),
            timeout: revisions::TIMEOUT,
        }
    }

    /// The model before anything is read: git as `resolve` already read it.
    pub fn initial_model(&self, r: &Resolved) -> RevisionsModel {
        let names: Vec<String> = self.probes.iter().map(|p| p.name().to_owned()).collect();
        let git = self.git.as_ref().map(|_| {
            r.git
                .clone()
                .ok_or_else(|| "the repository could not be read".to_owned())
        });
        RevisionsModel::new(git, &names)
    }
}

/// Read git (blocking work, off the async threads).
pub async fn read_git(spec: GitSpec) -> RevisionsMsg {
    let read = tokio::task::spawn_blocking(move || {
        git::info(
            &spec.path,
            &spec.release_tags,
            &spec.lkg_tags,
            &spec.version,
            &|t| spec.rolled_back.of_tag(t, &spec.release_tags).is_some(),
        )
        .map_err(|e| format!("{e}"))
    })
    .await;
    RevisionsMsg::Git(read.unwrap_or_else(|e| Err(format!("reading git failed: {e}"))))
}

/// Read one source.
pub async fn read_probe(probe: Probe, dir: PathBuf, timeout: Duration) -> RevisionsMsg {
    let name = probe.name().to_owned();
    let data = match probe {
        Probe::Command {
            command, fields, ..
        } => match command {
            Err(e) => SourceData::Error(format!("cannot render the command: {e}")),
            Ok(cmd) => match revisions::read(&cmd, &dir, &fields, timeout).await {
                Ok(rows) => SourceData::Rows(rows),
                Err(e) => SourceData::Error(e),
            },
        },
        Probe::Url {
            url, version, sha, ..
        } => match url {
            Err(e) => SourceData::Error(format!("cannot render the url: {e}")),
            Ok(url) => match endpoint::fetch(&url, &version, sha.as_deref(), timeout).await {
                Ok(v) => SourceData::Live(v),
                Err(e) => SourceData::Error(e),
            },
        },
    };
    RevisionsMsg::Source(SourceState {
        name,
        data,
        checked: Some(Utc::now()),
    })
}

/// Every reading of `plan`, in the order they come in.
fn read_all(plan: &Plan) -> FuturesUnordered<futures::future::BoxFuture<'static, RevisionsMsg>> {
    let reads: FuturesUnordered<futures::future::BoxFuture<'static, RevisionsMsg>> =
        FuturesUnordered::new();
    if let Some(g) = &plan.git {
        reads.push(Box::pin(read_git(g.clone())));
    }
    for p in &plan.probes {
        reads.push(Box::pin(read_probe(
            p.clone(),
            plan.dir.clone(),
            plan.timeout,
        )));
    }
    reads
}

/// Read everything once into a model (for `status`).
pub async fn collect(plan: &Plan, initial: RevisionsModel) -> RevisionsModel {
    let mut model = initial;
    let mut reads = read_all(plan);
    while let Some(m) = reads.next().await {
        model.apply(m);
    }
    model
}

/// Start the watcher: it reads everything now, then every `every` and whenever `refresh`
/// receives a request. It ends when either channel closes.
pub fn spawn(
    plan: Plan,
    every: Duration,
    tx: mpsc::UnboundedSender<RevisionsMsg>,
    mut refresh: mpsc::UnboundedReceiver<()>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            let mut reads = read_all(&plan);
            while let Some(m) = reads.next().await {
                if tx.send(m).is_err() {
                    return;
                }
            }
            tokio::select! {
                () = tokio::time::sleep(every) => {}
                r = refresh.recv() => if r.is_none() { return },
            }
            // Requests made while reading are served by the read that follows.
            while refresh.try_recv().is_ok() {}
        }
    })
}
