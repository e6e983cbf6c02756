//! The owned messages a host's watcher task sends; [`DockerModel::apply`] folds them in, and
//! the caller journals disconnects and reconnects ([`DockerMsg::journal_event`]).
//!
//! [`DockerModel::apply`]: super::DockerModel::apply

use chrono::{DateTime, Utc};
use serde_json::json;

use super::container::{ContainerInfo, ContainerStats};
use crate::release::Event;

/// One change on one host.
#[derive(Debug, Clone, PartialEq)]
pub enum DockerMsg {
    /// Connected (and the API version negotiated). A [`DockerMsg::Snapshot`] follows.
    HostUp {
        host: String,
        at: DateTime<Utc>,
        /// The negotiated API version, e.g. `1.41`.
        api: String,
        /// When the host went away, when this is a reconnect.
        down_since: Option<DateTime<Utc>>,
    },
    /// The daemon is unreachable (sent once per outage, also when the first connect fails).
    HostDown {
        host: String,
        at: DateTime<Utc>,
        reason: String,
    },
    /// Every matching container of the host (after a connect, and as a periodic safety net).
    Snapshot {
        host: String,
        at: DateTime<Utc>,
        containers: Vec<ContainerInfo>,
    },
    /// A matching container was created or changed state, health or name.
    Changed {
        host: String,
        container: ContainerInfo,
    },
    /// A container was removed, or no longer matches any service.
    Removed { host: String, id: String },
    /// A stats sample of a container of the selected service.
    Stats {
        host: String,
        id: String,
        stats: ContainerStats,
    },
}

impl DockerMsg {
    /// The host this message is about.
    pub fn host(&self) -> &str {
        match self {
            DockerMsg::HostUp { host, .. }
            | DockerMsg::HostDown { host, .. }
            | DockerMsg::Snapshot { host, .. }
            | DockerMsg::Changed { host, .. }
            | DockerMsg::Removed { host, .. }
            | DockerMsg::Stats { host, .. } => host,
        }
    }

    /// The journal record for a disconnect or a reconnect (`docker-action` with action
    /// `host-down` / `host-up`); `None` for every other message, and for the first connect.
    pub fn journal_event(&self) -> Option<Event> {
        let ts = |t: &DateTime<Utc>| t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string();
        match self {
            DockerMsg::HostDown { host, at, reason } => Some(Event::DockerAction {
                step: None,
                action: "host-down".to_owned(),
                detail: json!({ "host": host, "at": ts(at), "reason": reason }),
            }),
            DockerMsg::HostUp {
                host,
                at,
                api,
                down_since: Some(since),
            } => Some(Event::DockerAction {
                step: None,
                action: "host-up".to_owned(),
                detail: json!({
                    "host": host,
                    "at": ts(at),
                    "api": api,
                    "down_since": ts(since),
                }),
            }),
            _ => None,
        }
    }
}
