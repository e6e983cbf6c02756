//! Native Docker steps through bollard: `docker-deploy` ([`deploy`]) and `docker-rollback`
//! ([`rollback`]) on plain containers, the health wait ([`health`]) and the container
//! operations both share ([`ops`]); Swarm services through [`swarm`]. Every action is journaled as a `docker-action` with the
//! image names and digests, before the step's `Finished`.

pub mod deploy;
pub mod health;
pub mod ops;
pub mod rollback;
pub mod swarm;

use std::time::Instant;

use tokio::sync::mpsc;

use super::command::Handle;
use crate::release::{Event, Msg, Outcome, Phase};
use crate::runbook::{DockerHost, Service};
use crate::watch::docker::{Matchers, hosts_for};

/// Where a Docker step acts: its service, the matcher of that service, and the hosts.
#[derive(Debug, Clone)]
pub struct Target {
    pub phase: Phase,
    pub step: String,
    pub service: String,
    pub matchers: Matchers,
    pub hosts: Vec<DockerHost>,
}

impl Target {
    /// The target of `service` in the resolved runbook.
    pub fn resolve(
        phase: Phase,
        step: &str,
        service: &str,
        rt: &super::runtime::Runtime,
    ) -> Result<Target, String> {
        let r = &rt.resolved.runbook;
        let svc: &Service = r
            .services
            .iter()
            .find(|s| s.name == service)
            .ok_or_else(|| format!("step `{step}` names an unknown service `{service}`"))?;
        let matchers = Matchers::new(std::slice::from_ref(svc)).map_err(|e| e.to_string())?;
        Ok(Target {
            phase,
            step: step.to_owned(),
            service: service.to_owned(),
            matchers,
            hosts: hosts_for(&r.dir, &r.docker_hosts),
        })
    }

    /// Journal one `docker-action` (before the step finishes).
    pub fn record(&self, tx: &mpsc::UnboundedSender<Msg>, action: &str, detail: serde_json::Value) {
        let _ = tx.send(Msg::Record(Event::DockerAction {
            step: Some(self.step.clone()),
            action: action.to_owned(),
            detail,
        }));
    }

    /// Show lines in the step's log pane.
    pub fn say(&self, tx: &mpsc::UnboundedSender<Msg>, stream: &str, lines: Vec<String>) {
        let _ = tx.send(Msg::Output {
            phase: self.phase,
            step: self.step.clone(),
            stream: stream.to_owned(),
            lines,
        });
    }
}

/// Run `work` as the step's executor: cancellable through the returned handle, reported with
/// `Finished` when it ends.
pub fn spawn<F>(phase: Phase, step: String, tx: mpsc::UnboundedSender<Msg>, work: F) -> Handle
where
    F: std::future::Future<Output = Result<(), String>> + Send + 'static,
{
    let (handle, cancel) = Handle::pair();
    tokio::spawn(async move {
        let started = Instant::now();
        let cancelled = async {
            if cancel.await.is_err() {
                std::future::pending::<()>().await;
            }
        };
        let (outcome, reason) = tokio::select! {
            r = work => match r {
                Ok(()) => (Outcome::Succeeded, None),
                Err(why) => (Outcome::Failed, Some(why)),
            },
            () = cancelled => (Outcome::Cancelled, Some("cancelled by the operator".to_owned())),
        };
        let _ = tx.send(Msg::Finished {
            phase,
            step,
            outcome,
            exit_code: None,
            reason,
            duration_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
            captures: std::collections::BTreeMap::new(),
        });
    });
    handle
}
