//! Container log streams (DESIGN.md §2, §6): every running container of a service with
//! `logs = true` gets ONE follow stream (`follow`, `timestamps`, a small `tail`), never two
//! (a map of container ids), never polled. A stream that ends (its container stopped) or
//! fails shows a marker line in its source and is reopened with a backoff, following from its
//! last line's time (`since`); the Docker model's changes (a new start time, a finished task)
//! start the next one at once, and a removed container's stream stops for good. Lines are
//! masked on the way in and sent, in batches, as owned [`LogMsg`]s on a bounded channel; a
//! stream that falls more than [`StreamOpts::max_lag`] behind skips ahead (see `logs_task`).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::AtomicI64;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::docker::{ContainerInfo, DockerMsg, RunState};
use super::logs_task::Task;
use crate::logs::{LogLine, Masker};
use crate::runbook::{DockerHost, Service};

pub use crate::model::logs::LogMsg;

/// How streams read.
#[derive(Debug, Clone, Copy)]
pub struct StreamOpts {
    /// Lines of history when a stream starts.
    pub tail: usize,
    /// Lines of history when a lagging stream reopens.
    pub skip_tail: usize,
    /// How far behind the wall clock a stream may fall before it skips ahead.
    pub max_lag: Duration,
    /// Most lines in one batch.
    pub batch: usize,
}

impl Default for StreamOpts {
    fn default() -> Self {
        StreamOpts {
            tail: 200,
            skip_tail: 300,
            max_lag: Duration::from_millis(500),
            batch: 2000,
        }
    }
}

/// Capacity of the bounded channel of [`LogMsg`] batches: a slow consumer makes streams lag,
/// and lagging streams skip ahead, rather than memory grow.
pub const CHANNEL: usize = 16;

#[derive(Debug)]
struct Stream {
    source: String,
    started_at: Option<DateTime<Utc>>,
    task: JoinHandle<()>,
}

/// The running streams, driven by [`LogStreams::on_docker`].
#[derive(Debug)]
pub struct LogStreams {
    hosts: HashMap<String, DockerHost>,
    services: HashSet<String>,
    masker: Masker,
    tx: mpsc::Sender<LogMsg>,
    opts: StreamOpts,
    streams: HashMap<String, Stream>,
    /// The newest line's time (ns) per container, across its streams: reopened streams
    /// never repeat a line.
    last: HashMap<String, Arc<AtomicI64>>,
}

impl LogStreams {
    /// Streams for these hosts' containers of `services` with `logs = true`.
    pub fn new(
        hosts: Vec<DockerHost>,
        services: &[Service],
        masker: Masker,
        tx: mpsc::Sender<LogMsg>,
        opts: StreamOpts,
    ) -> LogStreams {
        LogStreams {
            hosts: hosts.into_iter().map(|h| (h.name.clone(), h)).collect(),
            services: services
                .iter()
                .filter(|s| s.logs)
                .map(|s| s.name.clone())
                .collect(),
            masker,
            tx,
            opts,
            streams: HashMap::new(),
            last: HashMap::new(),
        }
    }

    /// Whether any service wants its logs.
    pub fn wanted(&self) -> bool {
        !self.services.is_empty()
    }

    /// Start or stop streams after a change of the Docker model.
    pub fn on_docker(&mut self, msg: &DockerMsg) {
        match msg {
            DockerMsg::Snapshot {
                host, containers, ..
            } => {
                for c in containers {
                    self.container(host, c);
                }
            }
            DockerMsg::Changed { host, container } => self.container(host, container),
            DockerMsg::Removed { id, .. } => self.removed(id),
            _ => {}
        }
    }

    /// Container ids with a live stream.
    pub fn streaming(&self) -> Vec<String> {
        let mut v: Vec<String> = self
            .streams
            .iter()
            .filter(|(_, s)| !s.task.is_finished())
            .map(|(id, _)| id.clone())
            .collect();
        v.sort();
        v
    }

    /// The container is gone: its stream stops for good, and says so (unless it already
    /// has, or the channel is full).
    fn removed(&mut self, id: &str) {
        if let Some(s) = self.streams.get(id)
            && !s.task.is_finished()
        {
            let _ = self.tx.try_send(LogMsg {
                source: s.source.clone(),
                lines: vec![LogLine::marker(
                    super::logs_retry::removed(),
                    Some(Utc::now()),
                )],
            });
        }
        self.stop(id);
        self.last.remove(id);
    }

    fn stop(&mut self, id: &str) {
        if let Some(s) = self.streams.remove(id) {
            s.task.abort();
        }
    }

    fn container(&mut self, host: &str, c: &ContainerInfo) {
        let Some(service) = c.services.iter().find(|s| self.services.contains(*s)) else {
            return;
        };
        if c.state != RunState::Running {
            // The stream ends with its container; forget it once it has.
            if self
                .streams
                .get(&c.id)
                .is_some_and(|s| s.task.is_finished())
            {
                self.streams.remove(&c.id);
            }
            return;
        }
        if let Some(s) = self.streams.get(&c.id) {
            if !s.task.is_finished() && s.started_at == c.started_at {
                return; // never twice
            }
            self.stop(&c.id);
        }
        let Some(h) = self.hosts.get(host) else {
            return;
        };
        let source = format!("{service}/{}", c.name);
        let task = Task {
            host: h.clone(),
            id: c.id.clone(),
            source: source.clone(),
            masker: self.masker.clone(),
            tx: self.tx.clone(),
            opts: self.opts,
            last: Arc::clone(self.last.entry(c.id.clone()).or_default()),
        };
        let stream = Stream {
            source,
            started_at: c.started_at,
            task: tokio::spawn(task.run()),
        };
        self.streams.insert(c.id.clone(), stream);
    }
}

impl Drop for LogStreams {
    fn drop(&mut self) {
        for s in self.streams.values() {
            s.task.abort();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runbook::ServiceMatch;
    use crate::watch::docker::Health;

    fn container() -> ContainerInfo {
        ContainerInfo {
            id: "c1".into(),
            name: "web-1".into(),
            services: vec!["web".into()],
            image: "app:1".into(),
            image_digest: String::new(),
            state: RunState::Running,
            exit_code: None,
            health: Health::None,
            started_at: Some(Utc::now()),
            finished_at: None,
            restart_count: 0,
        }
    }

    #[tokio::test]
    async fn a_stream_that_cannot_connect_says_so_once_and_stops_when_removed() {
        let host = DockerHost {
            name: "h".into(),
            url: "unix:///nonexistent/flightdeck-test/docker.sock".into(),
            tls: None,
        };
        let service = Service {
            name: "web".into(),
            matcher: ServiceMatch::Name("web-*".into()),
            logs: true,
        };
        let (tx, mut rx) = mpsc::channel(CHANNEL);
        let opts = StreamOpts::default();
        let mut s = LogStreams::new(vec![host], &[service], Masker::default(), tx, opts);
        s.on_docker(&DockerMsg::Changed {
            host: "h".into(),
            container: container(),
        });
        let first = tokio::time::timeout(Duration::from_secs(5), rx.recv())
            .await
            .expect("a marker within 5 s")
            .expect("a message");
        assert_eq!(first.source, "web/web-1");
        let text = &first.lines[0].text;
        assert!(text.starts_with("— stream failed: "), "{text}");
        assert!(text.ends_with("; reconnecting in 0.5s —"), "{text}");
        // Two more attempts (after 0.5 s and 1 s) fail the same way: nothing new is said.
        let more = tokio::time::timeout(Duration::from_secs(2), rx.recv()).await;
        assert!(more.is_err(), "{more:?}");
        assert_eq!(s.streaming(), ["c1"], "still reconnecting");
        s.on_docker(&DockerMsg::Removed {
            host: "h".into(),
            id: "c1".into(),
        });
        let last = rx.recv().await.expect("the removed marker");
        assert_eq!(
            last.lines[0].text,
            "— stream stopped: the container was removed —"
        );
        assert!(s.streaming().is_empty());
    }
}
