//! Live Docker state (DESIGN.md §2, §7): one watcher task per host follows the `/events`
//! stream and sends owned [`DockerMsg`]s; the UI folds them into its [`DockerModel`].
//!
//! The caller's part:
//! - [`hosts_for`] the runbook's `[[docker.hosts]]` (or the default host);
//! - [`DockerModel::new`], then [`spawn`] the watchers with a sender of its bus;
//! - on each message: journal [`DockerMsg::journal_event`], then [`DockerModel::apply`];
//! - [`DockerWatch::select_stats`] when the selected service changes
//!   (and [`DockerModel::clear_stats`]);
//! - [`DockerModel::check_actionable`] before any Docker action on a host;
//! - `flightdeck status`: [`snapshot`] lists once, without streams.

mod connect;
mod convert;
mod list;
mod matcher;
pub mod ssh;
mod stats;
mod watcher;

#[cfg(test)]
mod tests;

use color_eyre::eyre::Result;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

pub use crate::model::docker::{
    ContainerInfo, ContainerStats, DockerModel, DockerMsg, Health, HostStatus, HostView, RunState,
};
pub use connect::{LOCAL_SOCKET, api_version, client, connect, default_host, describe, hosts_for};
pub use convert::{container_info, stats as stats_of, summary_info, time as api_time};
pub use list::{list, snapshot};
pub use matcher::{Matchers, SWARM_SERVICE_LABEL};
pub use watcher::RELIST_EVERY;

use crate::runbook::{DockerHost, Service};

/// The running watchers. Dropping it stops them.
#[derive(Debug)]
pub struct DockerWatch {
    selected: watch::Sender<Option<String>>,
    tasks: Vec<JoinHandle<()>>,
}

/// Start one watcher task per host (inside a tokio runtime). Each sends [`DockerMsg`]s,
/// converted into the caller's message type, until `tx`'s receiver is dropped. An error only
/// for a bad service matcher.
pub fn spawn<M>(
    hosts: Vec<DockerHost>,
    services: &[Service],
    tx: &mpsc::UnboundedSender<M>,
) -> Result<DockerWatch>
where
    M: From<DockerMsg> + Send + 'static,
{
    let matchers = Matchers::new(services)?;
    let (selected, rx) = watch::channel(None);
    let tasks = hosts
        .into_iter()
        .map(|host| {
            let task = watcher::HostTask {
                host,
                matchers: matchers.clone(),
                tx: tx.clone(),
                selected: rx.clone(),
            };
            tokio::spawn(task.run())
        })
        .collect();
    Ok(DockerWatch { selected, tasks })
}

impl DockerWatch {
    /// Open stats streams for this service's running containers only (closing the others);
    /// `None` closes them all.
    pub fn select_stats(&self, service: Option<&str>) {
        self.selected.send_if_modified(|cur| {
            let new = service.map(str::to_owned);
            let changed = *cur != new;
            *cur = new;
            changed
        });
    }

    /// Stop every watcher now.
    pub fn stop(self) {}
}

impl Drop for DockerWatch {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}
