//! The driver's long-lived sources: live Docker state and its container log streams, the gates
//! pane's background refresh, the revisions watcher, and (for `observe`) the journal followed as
//! it grows. Each sends owned messages on its own channel; [`Sources::next`] waits on all.

use color_eyre::eyre::{Result, WrapErr};
use tokio::sync::mpsc;

use crate::exec::gates::GateCx;
use crate::exec::resolve::Resolved;
use crate::journal::{Record, StateDir};
use crate::logs::Masker;
use crate::model::docker::{DockerModel, DockerMsg};
use crate::model::gates::GateRow;
use crate::model::logs::LogMsg;
use crate::model::revisions::RevisionsMsg;
use crate::watch::journal_follow::{self, Follower, Tail};
use crate::watch::{docker, gates, logs, revisions_task};

/// One reading from a source.
pub enum Reading {
    Docker(DockerMsg),
    Log(LogMsg),
    Gate(GateRow),
    Revisions(RevisionsMsg),
    Journal(Result<Vec<Record>, String>),
    /// A signed approval file from the inbox (`super::inbox`).
    Inbox(super::inbox::Item),
}

/// The running sources; dropping them stops every task.
pub struct Sources {
    docker: Option<docker::DockerWatch>,
    /// The Docker state as the driver sees it (stale hosts refuse Docker steps).
    pub model: Option<DockerModel>,
    streams: Option<logs::LogStreams>,
    gates: Option<gates::Refresher>,
    /// The release's baselines, for the gates' conditions in the background refresh.
    baselines: Option<tokio::sync::watch::Sender<crate::exec::gates::Baselines>>,
    refresh: Option<mpsc::UnboundedSender<()>>,
    revisions: Option<tokio::task::JoinHandle<()>>,
    follower: Option<Follower>,
    /// The approvals inbox (started once the release is known).
    pub(super) inbox: super::inbox::Slot,
    // Receivers, with a sender of each kept so that a source that never started pends
    // forever instead of ending.
    docker_rx: mpsc::UnboundedReceiver<DockerMsg>,
    docker_tx: mpsc::UnboundedSender<DockerMsg>,
    log_rx: mpsc::Receiver<LogMsg>,
    _log_tx: mpsc::Sender<LogMsg>,
    gate_rx: mpsc::UnboundedReceiver<GateRow>,
    gate_tx: mpsc::UnboundedSender<GateRow>,
    rev_rx: mpsc::UnboundedReceiver<RevisionsMsg>,
    rev_tx: mpsc::UnboundedSender<RevisionsMsg>,
    follow_rx: mpsc::UnboundedReceiver<Result<Vec<Record>, String>>,
    follow_tx: mpsc::UnboundedSender<Result<Vec<Record>, String>>,
}

impl Drop for Sources {
    fn drop(&mut self) {
        if let Some(w) = &self.revisions {
            w.abort();
        }
    }
}

impl Sources {
    /// No sources (headless runs need none).
    pub fn none() -> Sources {
        let (docker_tx, docker_rx) = mpsc::unbounded_channel();
        let (log_tx, log_rx) = mpsc::channel(1);
        let (gate_tx, gate_rx) = mpsc::unbounded_channel();
        let (rev_tx, rev_rx) = mpsc::unbounded_channel();
        let (follow_tx, follow_rx) = mpsc::unbounded_channel();
        Sources {
            docker: None,
            model: None,
            streams: None,
            gates: None,
            baselines: None,
            refresh: None,
            revisions: None,
            follower: None,
            inbox: super::inbox::Slot::default(),
            docker_rx,
            docker_tx,
            log_rx,
            _log_tx: log_tx,
            gate_rx,
            gate_tx,
            rev_rx,
            rev_tx,
            follow_rx,
            follow_tx,
        }
    }

    /// Everything the screen shows live for the runbook `r`: Docker state and logs (when it has
    /// services), the gates (`state_dir` for `release` gates) and the revisions.
    pub fn live(r: &Resolved, masker: &Masker, state_dir: Option<StateDir>) -> Result<Sources> {
        let mut s = Sources::none();
        let rb = &r.runbook;
        if !rb.services.is_empty() {
            let hosts = docker::hosts_for(&rb.dir, &rb.docker_hosts);
            s.model = Some(DockerModel::new(&hosts));
            let w = docker::spawn(hosts.clone(), &rb.services, &s.docker_tx)
                .wrap_err("starting the Docker watcher")?;
            // The selected service (the first) shows CPU and memory: its stats stream only.
            w.select_stats(rb.services.first().map(|x| x.name.as_str()));
            s.docker = Some(w);
            let (ltx, lrx) = mpsc::channel(logs::CHANNEL);
            s.log_rx = lrx;
            s.streams = Some(logs::LogStreams::new(
                hosts,
                &rb.services,
                masker.clone(),
                ltx,
                logs::StreamOpts::default(),
            ));
        }
        let mut cx = GateCx::from_resolved(r, state_dir);
        let (btx, brx) = tokio::sync::watch::channel(crate::exec::gates::Baselines::new());
        cx.live_baselines = Some(brx);
        s.baselines = Some(btx);
        s.gates = Some(gates::spawn(&rb.gates, &cx, &s.gate_tx));
        let (refresh, refresh_rx) = mpsc::unbounded_channel();
        let plan = revisions_task::Plan::from_resolved(r);
        s.revisions = Some(revisions_task::spawn(
            plan,
            revisions_task::EVERY,
            s.rev_tx.clone(),
            refresh_rx,
        ));
        s.refresh = Some(refresh);
        Ok(s)
    }

    /// Also follow the journal `tail` as it grows (`observe`).
    pub fn follow(&mut self, tail: Tail) {
        self.follower = Some(journal_follow::spawn(tail, self.follow_tx.clone()));
    }

    /// The next reading from any source.
    pub async fn next(&mut self) -> Reading {
        tokio::select! {
            Some(m) = self.docker_rx.recv() => Reading::Docker(m),
            Some(m) = self.log_rx.recv() => Reading::Log(m),
            Some(m) = self.gate_rx.recv() => Reading::Gate(m),
            Some(m) = self.rev_rx.recv() => Reading::Revisions(m),
            Some(m) = self.follow_rx.recv() => Reading::Journal(m),
            Some(m) = self.inbox.rx.recv() => Reading::Inbox(m),
        }
    }

    /// Fold a Docker change into the driver's model and move the log streams with it.
    pub fn on_docker(&mut self, m: &DockerMsg) {
        if let Some(s) = &mut self.streams {
            s.on_docker(m);
        }
        if let Some(model) = &mut self.model {
            model.apply(m.clone());
        }
    }

    /// Open stats streams for this service only.
    pub fn select_stats(&self, service: &str) {
        if let Some(w) = &self.docker {
            w.select_stats(Some(service));
        }
    }

    /// Read every revision source again now.
    pub fn refresh_revisions(&self) {
        if let Some(r) = &self.refresh {
            let _ = r.send(());
        }
    }

    /// The release's baselines changed: the background refresh judges with them from now on.
    pub fn set_baselines(&self, b: crate::exec::gates::Baselines) {
        if let Some(tx) = &self.baselines {
            tx.send_replace(b);
        }
    }

    /// Measure every gate again now (after a step finished).
    pub fn refresh_gates(&self) {
        if let Some(g) = &self.gates {
            g.refresh_now();
        }
    }

    /// Stop the log streams and the revisions watcher (the terminal is gone).
    pub fn stop_display(&mut self) {
        self.streams = None;
        if let Some(w) = self.revisions.take() {
            w.abort();
        }
    }
}
