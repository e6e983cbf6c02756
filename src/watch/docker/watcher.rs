//! One tokio task per host: connect, list (what `docker ps` knows at once, then every
//! container inspected), then follow the `/events` stream (type
//! container) and send owned [`DockerMsg`]s. No polling: a full re-list every 10 s is only a
//! safety net; network hosts also get a 1 s ping heartbeat. When the daemon goes away the
//! task sends `HostDown` and reconnects with backoff (250 ms doubling to 5 s), then re-lists
//! everything.

use std::collections::HashMap;
use std::time::Duration;

use bollard::Docker;
use bollard::models::EventMessage;
use bollard::query_parameters::EventsOptions;
use chrono::{DateTime, Utc};
use futures::StreamExt;
use tokio::sync::{mpsc, watch};

use super::connect::{api_version, connect, describe};
use super::list::{inspect, inspect_all, list, list_summaries};
use super::matcher::Matchers;
use super::stats::StatsSet;
use crate::model::docker::ContainerInfo;
use crate::model::docker::DockerMsg;
use crate::runbook::DockerHost;

const BACKOFF_MIN: Duration = Duration::from_millis(250);
const BACKOFF_MAX: Duration = Duration::from_secs(5);
/// How often a network host (tcp, ssh) is pinged, and how long it may take to answer: a
/// peer that falls silent without closing the connection is STALE within two of these.
const HEARTBEAT: Duration = Duration::from_secs(1);
/// The safety-net re-list period.
pub const RELIST_EVERY: Duration = Duration::from_secs(10);

/// The container events that can change a row.
const ACTIONS: &[&str] = &[
    "create",
    "start",
    "restart",
    "stop",
    "die",
    "kill",
    "oom",
    "pause",
    "unpause",
    "rename",
    "update",
    "destroy",
    "health_status",
];

/// Why a session ended.
enum End {
    /// The daemon went away (the reason).
    Lost(String),
    /// The receiver is gone: stop the task.
    Closed,
}

pub(crate) struct HostTask<M> {
    pub host: DockerHost,
    pub matchers: Matchers,
    pub tx: mpsc::UnboundedSender<M>,
    pub selected: watch::Receiver<Option<String>>,
}

impl<M: From<DockerMsg> + Send + 'static> HostTask<M> {
    fn send(&self, msg: DockerMsg) -> Result<(), End> {
        self.tx.send(M::from(msg)).map_err(|_| End::Closed)
    }

    /// Run until the receiver is dropped.
    pub async fn run(mut self) {
        let mut down_since: Option<DateTime<Utc>> = None;
        let mut backoff = BACKOFF_MIN;
        loop {
            let reason = match connect(&self.host).await {
                Ok(docker) => match self.session(&docker, &mut down_since).await {
                    End::Closed => return,
                    End::Lost(reason) => {
                        backoff = BACKOFF_MIN;
                        reason
                    }
                },
                Err(reason) => reason,
            };
            if down_since.is_none() {
                let at = Utc::now();
                down_since = Some(at);
                let msg = DockerMsg::HostDown {
                    host: self.host.name.clone(),
                    at,
                    reason,
                };
                if self.send(msg).is_err() {
                    return;
                }
            }
            tokio::select! {
                () = tokio::time::sleep(backoff) => {}
                () = self.tx.closed() => return,
            }
            backoff = (backoff * 2).min(BACKOFF_MAX);
        }
    }

    /// One connection: list, report, then follow events until the daemon goes away.
    async fn session(&mut self, docker: &Docker, down_since: &mut Option<DateTime<Utc>>) -> End {
        // Events since the daemon's own "now", so that none between here and the list is lost.
        let since = match docker.info().await {
            Ok(info) => daemon_time(info.system_time.as_deref()),
            Err(e) => return End::Lost(describe(&e)),
        };
        let mut filters = HashMap::new();
        filters.insert("type", vec!["container"]);
        filters.insert("event", ACTIONS.to_vec());
        let events = docker.events(Some(EventsOptions {
            since,
            ..events_options(&filters)
        }));
        let mut events = Box::pin(events);
        // What `docker ps` knows shows at once; the inspects that follow fill in start times
        // and restart counts (100 containers are 100 requests).
        let first = match list_summaries(docker, &self.matchers).await {
            Ok(l) => l,
            Err(e) => return End::Lost(e),
        };
        let host = self.host.name.clone();
        let up = DockerMsg::HostUp {
            host: host.clone(),
            at: Utc::now(),
            api: api_version(docker),
            down_since: down_since.take(),
        };
        let provisional = DockerMsg::Snapshot {
            host: host.clone(),
            at: Utc::now(),
            containers: first.clone(),
        };
        if let Err(end) = self.send(up).and_then(|()| self.send(provisional)) {
            return end;
        }
        let listed = match inspect_all(docker, &self.matchers, &first).await {
            Ok(l) => l,
            Err(e) => return End::Lost(e),
        };
        let mut known: HashMap<String, ContainerInfo> =
            listed.iter().map(|c| (c.id.clone(), c.clone())).collect();
        let snap = DockerMsg::Snapshot {
            host: host.clone(),
            at: Utc::now(),
            containers: listed,
        };
        if let Err(end) = self.send(snap) {
            return end;
        }
        let mut stats = StatsSet::default();
        stats.sync(docker, self.selected.borrow().as_deref(), &known);
        let now = tokio::time::Instant::now();
        let mut relist = tokio::time::interval_at(now + RELIST_EVERY, RELIST_EVERY);
        relist.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        // A unix socket closes when its daemon goes; a network peer may just fall silent.
        let remote = !self.host.url.starts_with("unix://");
        let mut heartbeat = tokio::time::interval_at(now + HEARTBEAT, HEARTBEAT);
        heartbeat.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            let step = tokio::select! {
                ev = events.next() => match ev {
                    Some(Ok(ev)) => self.on_event(docker, ev, &mut known).await,
                    Some(Err(e)) => Err(End::Lost(describe(&e))),
                    None => Err(End::Lost("the event stream ended".to_owned())),
                },
                _ = relist.tick() => self.relist(docker, &mut known).await,
                _ = heartbeat.tick(), if remote => {
                    match tokio::time::timeout(HEARTBEAT, docker.ping()).await {
                        Ok(Ok(_)) => Ok(()),
                        Ok(Err(e)) => Err(End::Lost(describe(&e))),
                        Err(_) => Err(End::Lost(format!("no answer to a ping within {HEARTBEAT:?}"))),
                    }
                }
                r = self.selected.changed() => match r {
                    Ok(()) => { stats.clear(); Ok(()) }
                    Err(_) => Err(End::Closed),
                },
                Some((id, s)) = stats.next(), if !stats.is_empty() => {
                    self.send(DockerMsg::Stats { host: host.clone(), id, stats: s })
                }
                () = self.tx.closed() => Err(End::Closed),
            };
            if let Err(end) = step {
                return end;
            }
            stats.sync(docker, self.selected.borrow().as_deref(), &known);
        }
    }

    async fn relist(
        &self,
        docker: &Docker,
        known: &mut HashMap<String, ContainerInfo>,
    ) -> Result<(), End> {
        let listed = list(docker, &self.matchers).await.map_err(End::Lost)?;
        *known = listed.iter().map(|c| (c.id.clone(), c.clone())).collect();
        self.send(DockerMsg::Snapshot {
            host: self.host.name.clone(),
            at: Utc::now(),
            containers: listed,
        })
    }

    async fn on_event(
        &self,
        docker: &Docker,
        ev: EventMessage,
        known: &mut HashMap<String, ContainerInfo>,
    ) -> Result<(), End> {
        let Some(actor) = ev.actor else { return Ok(()) };
        let Some(id) = actor.id else { return Ok(()) };
        let host = self.host.name.clone();
        let removed = |known: &mut HashMap<String, ContainerInfo>| {
            known.remove(&id).map(|_| DockerMsg::Removed {
                host: host.clone(),
                id: id.clone(),
            })
        };
        if ev.action.as_deref() == Some("destroy") {
            return removed(known).map_or(Ok(()), |m| self.send(m));
        }
        // The event's attributes carry the name and labels: inspect only candidates.
        let attrs = actor.attributes.unwrap_or_default();
        let name = attrs.get("name").map_or("", String::as_str);
        if !known.contains_key(&id) && self.matchers.services_for(name, &attrs).is_empty() {
            return Ok(());
        }
        match inspect(docker, &id, &self.matchers)
            .await
            .map_err(End::Lost)?
        {
            Some(info) => {
                if known.get(&id) == Some(&info) {
                    return Ok(());
                }
                known.insert(id.clone(), info.clone());
                self.send(DockerMsg::Changed {
                    host,
                    container: info,
                })
            }
            None => removed(known).map_or(Ok(()), |m| self.send(m)),
        }
    }
}

fn events_options(filters: &HashMap<&str, Vec<&str>>) -> EventsOptions {
    bollard::query_parameters::EventsOptionsBuilder::default()
        .filters(filters)
        .build()
}

/// The daemon's clock (`SystemTime` of `/info`) as the `since` of `/events`: `secs.nanos`.
pub(crate) fn daemon_time(system_time: Option<&str>) -> Option<String> {
    let t = DateTime::parse_from_rfc3339(system_time?).ok()?;
    Some(format!(
        "{}.{:09}",
        t.timestamp(),
        t.timestamp_subsec_nanos()
    ))
}
