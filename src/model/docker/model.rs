//! The live Docker state, owned by one task (the UI): hosts, their containers and the
//! selected service's stats, folded from [`DockerMsg`]s by [`DockerModel::apply`]. Pure.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use super::container::{ContainerInfo, ContainerStats, RunState};
use super::msg::DockerMsg;
use crate::runbook::DockerHost;

/// Whether a host's state can be trusted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostStatus {
    /// Not connected yet: nothing is known.
    Connecting,
    /// Connected again; the re-list is under way. Rows are from before the outage.
    Relisting {
        api: String,
        stale_since: Option<DateTime<Utc>>,
    },
    /// Connected and listed; events keep it current.
    Live { api: String },
    /// The daemon went away: rows are the last known state.
    Stale {
        since: DateTime<Utc>,
        reason: String,
    },
    /// Never reached (every connect so far failed, `reason` the last): nothing is known.
    Unreachable {
        since: DateTime<Utc>,
        reason: String,
    },
}

impl HostStatus {
    /// When the shown state stopped being current, if it has.
    pub fn stale_since(&self) -> Option<DateTime<Utc>> {
        match self {
            HostStatus::Stale { since, .. } => Some(*since),
            HostStatus::Relisting { stale_since, .. } => *stale_since,
            HostStatus::Connecting | HostStatus::Live { .. } | HostStatus::Unreachable { .. } => {
                None
            }
        }
    }
}

/// One Docker host and what is known about it.
#[derive(Debug, Clone, PartialEq)]
pub struct HostView {
    pub name: String,
    pub url: String,
    pub status: HostStatus,
    /// Matching containers by id.
    pub containers: BTreeMap<String, ContainerInfo>,
    /// Stats of the selected service's containers, by id.
    pub stats: BTreeMap<String, ContainerStats>,
}

impl HostView {
    fn new(name: &str, url: &str) -> Self {
        Self {
            name: name.to_owned(),
            url: url.to_owned(),
            status: HostStatus::Connecting,
            containers: BTreeMap::new(),
            stats: BTreeMap::new(),
        }
    }

    /// Containers sorted by name.
    pub fn sorted(&self) -> Vec<&ContainerInfo> {
        let mut v: Vec<&ContainerInfo> = self.containers.values().collect();
        v.sort_by(|a, b| a.name.cmp(&b.name).then_with(|| a.id.cmp(&b.id)));
        v
    }
}

/// Every host, in runbook order. Fold messages in with [`DockerModel::apply`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DockerModel {
    pub hosts: Vec<HostView>,
}

impl DockerModel {
    /// A model for these hosts, all [`HostStatus::Connecting`].
    pub fn new(hosts: &[DockerHost]) -> Self {
        Self {
            hosts: hosts
                .iter()
                .map(|h| HostView::new(&h.name, &h.url))
                .collect(),
        }
    }

    pub fn host(&self, name: &str) -> Option<&HostView> {
        self.hosts.iter().find(|h| h.name == name)
    }

    fn host_mut(&mut self, name: &str) -> &mut HostView {
        let i = if let Some(i) = self.hosts.iter().position(|h| h.name == name) {
            i
        } else {
            self.hosts.push(HostView::new(name, ""));
            self.hosts.len() - 1
        };
        &mut self.hosts[i]
    }

    /// Fold one message in. Returns whether anything shown changed.
    pub fn apply(&mut self, msg: DockerMsg) -> bool {
        match msg {
            DockerMsg::HostUp {
                host,
                api,
                down_since,
                ..
            } => {
                let h = self.host_mut(&host);
                let stale_since = h.status.stale_since().or(down_since);
                replace(&mut h.status, HostStatus::Relisting { api, stale_since })
            }
            DockerMsg::HostDown { host, at, reason } => {
                let h = self.host_mut(&host);
                h.stats.clear();
                let status = match &h.status {
                    HostStatus::Connecting => HostStatus::Unreachable { since: at, reason },
                    HostStatus::Unreachable { since, .. } => HostStatus::Unreachable {
                        since: *since,
                        reason,
                    },
                    other => HostStatus::Stale {
                        since: other.stale_since().unwrap_or(at),
                        reason,
                    },
                };
                replace(&mut h.status, status)
            }
            DockerMsg::Snapshot {
                host, containers, ..
            } => {
                let h = self.host_mut(&host);
                let containers: BTreeMap<_, _> =
                    containers.into_iter().map(|c| (c.id.clone(), c)).collect();
                h.stats.retain(|id, _| containers.contains_key(id));
                let api = match &h.status {
                    HostStatus::Relisting { api, .. } | HostStatus::Live { api } => api.clone(),
                    HostStatus::Connecting
                    | HostStatus::Stale { .. }
                    | HostStatus::Unreachable { .. } => String::new(),
                };
                let changed = replace(&mut h.containers, containers);
                replace(&mut h.status, HostStatus::Live { api }) || changed
            }
            DockerMsg::Changed { host, container } => {
                let h = self.host_mut(&host);
                if container.state != RunState::Running {
                    h.stats.remove(&container.id);
                }
                let old = h.containers.insert(container.id.clone(), container.clone());
                old.as_ref() != Some(&container)
            }
            DockerMsg::Removed { host, id } => {
                let h = self.host_mut(&host);
                h.stats.remove(&id);
                h.containers.remove(&id).is_some()
            }
            DockerMsg::Stats { host, id, stats } => {
                let h = self.host_mut(&host);
                if !h.containers.contains_key(&id) {
                    return false;
                }
                h.stats.insert(id, stats) != Some(stats)
            }
        }
    }

    /// Forget every stats sample (call when the selected service changes).
    pub fn clear_stats(&mut self) {
        for h in &mut self.hosts {
            h.stats.clear();
        }
    }

    /// Whether a Docker action on `host` may go ahead: refused (with the reason) unless the
    /// host is connected and its containers were listed since it last went away.
    pub fn check_actionable(&self, host: &str) -> Result<(), String> {
        let Some(h) = self.host(host) else {
            return Err(format!("unknown docker host `{host}`"));
        };
        match &h.status {
            HostStatus::Live { .. } => Ok(()),
            HostStatus::Connecting => Err(format!(
                "docker host `{host}` is not connected yet; its state is unknown, so no \
                 Docker action is taken"
            )),
            HostStatus::Relisting { .. } => Err(format!(
                "docker host `{host}` has just reconnected and is re-listing its containers; \
                 try again in a moment"
            )),
            HostStatus::Stale { since, reason } => Err(format!(
                "docker host `{host}` is STALE since {} ({reason}); refusing a Docker action \
                 on stale state until it reconnects",
                since.format("%H:%M:%S")
            )),
            HostStatus::Unreachable { reason, .. } => Err(format!(
                "docker host `{host}` is unreachable ({reason}); its state is unknown, so no \
                 Docker action is taken"
            )),
        }
    }

    /// [`DockerModel::check_actionable`] for every host where `service` has containers, or
    /// for every host when it has none (a deploy may create them anywhere).
    pub fn check_service_actionable(&self, service: &str) -> Result<(), String> {
        let mut hosts: Vec<&HostView> = self
            .hosts
            .iter()
            .filter(|h| {
                h.containers
                    .values()
                    .any(|c| c.services.iter().any(|s| s == service))
            })
            .collect();
        if hosts.is_empty() {
            hosts = self.hosts.iter().collect();
        }
        hosts
            .iter()
            .try_for_each(|h| self.check_actionable(&h.name))
    }

    /// Every container of `service`, with its host, hosts in order, containers by name.
    pub fn containers_of<'a>(
        &'a self,
        service: &'a str,
    ) -> impl Iterator<Item = (&'a HostView, &'a ContainerInfo)> + 'a {
        self.hosts.iter().flat_map(move |h| {
            h.sorted()
                .into_iter()
                .filter(move |c| c.services.iter().any(|s| s == service))
                .map(move |c| (h, c))
        })
    }
}

/// Set `slot` to `new`; whether it changed.
fn replace<T: PartialEq>(slot: &mut T, new: T) -> bool {
    if *slot == new {
        false
    } else {
        *slot = new;
        true
    }
}
