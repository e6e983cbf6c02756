//! Native Docker steps through bollard: `docker-deploy` ([`deploy`]) and `docker-rollback`
//! ([`rollback`]) on plain containers, the health wait ([`health`]) and the container
//! operations both share ([`ops`]); Swarm services through [`swarm`]. Every action is journaled as a `docker-action` with the
//! image names and digests, before the step's `Finished`.

pub mod config;
pub mod deploy;
pub mod health;
pub mod ops;
pub mod rollback;
pub mod swarm;

#[cfg(test)]
mod tests;

use std::time::Instant;

use tokio::sync::mpsc;

use super::command::Handle;
use crate::release::{Event, Msg, Outcome, Phase};
use crate::runbook::{DockerHost, Service};
use crate::watch::docker::{Matchers, hosts_for};

/// The service a Docker step acts on; `None` for other kinds.
pub fn service_of(step: &crate::runbook::Step) -> Option<&str> {
    match &step.kind {
        crate::runbook::StepKind::DockerDeploy { service, .. }
        | crate::runbook::StepKind::DockerRollback { service } => Some(service),
        _ => None,
    }
}

/// Whether a Docker step may act now, given the live model (the cockpit has one): refused
/// with the reason while a host it needs is stale, connecting or re-listing.
pub fn check_live(
    step: &crate::runbook::Step,
    model: &crate::watch::docker::DockerModel,
) -> Result<(), String> {
    match service_of(step) {
        Some(service) => model.check_service_actionable(service),
        None => Ok(()),
    }
}

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

/// Run `work` as the step's executor, reported with `Finished` when it ends. A cancel does
/// not cut it short (that could leave a service half-replaced): it is noted, the work runs to
/// its end (bounded by its own waits), and the step is then reported as cancelled.
pub fn spawn<F>(phase: Phase, step: String, tx: mpsc::UnboundedSender<Msg>, work: F) -> Handle
where
    F: std::future::Future<Output = Result<(), String>> + Send + 'static,
{
    let (handle, cancel) = Handle::pair();
    tokio::spawn(async move {
        let started = Instant::now();
        tokio::pin!(work);
        let mut cancel = cancel;
        let mut cancelled = false;
        let mut listening = true;
        let result = loop {
            tokio::select! {
                r = &mut work => break r,
                c = &mut cancel, if listening => {
                    listening = false;
                    // A dropped handle is not a cancel.
                    if c.is_ok() {
                        cancelled = true;
                        let _ = tx.send(Msg::Output {
                            phase,
                            step: step.clone(),
                            stream: "docker".to_owned(),
                            lines: vec![
                                "cancel requested: the Docker action finishes (or restores the \
                                 old container) first"
                                    .to_owned(),
                            ],
                        });
                    }
                }
            }
        };
        let (outcome, reason) = match (result, cancelled) {
            (Err(why), _) => (Outcome::Failed, Some(why)),
            (Ok(()), true) => (
                Outcome::Cancelled,
                Some("cancelled by the operator (after the Docker action completed)".to_owned()),
            ),
            (Ok(()), false) => (Outcome::Succeeded, None),
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
