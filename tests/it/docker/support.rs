//! Shared helpers: the one skip rule, the shared daemon, unique ids, a container cleanup
//! guard, and folding a watcher's messages into a model until a condition holds.

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use bollard::Docker;
use flightdeck::runbook::{DockerHost, Service, ServiceMatch};
use flightdeck::watch::docker::{self, ContainerInfo, DockerModel, DockerMsg, DockerWatch};
use tokio::sync::mpsc;

use crate::skip::Component;

/// The skip rule (`crate::skip`) for `what`: `None` after the skip is recorded, a failure
/// under the requirement.
pub fn skip<T>(what: Component, why: &str) -> Option<T> {
    crate::skip::skip(what, why);
    None
}

/// The shared daemon (`DOCKER_HOST`, else the local socket), connected and negotiated.
pub async fn shared() -> Option<(DockerHost, Docker)> {
    let host = docker::default_host();
    match docker::connect(&host).await {
        Ok(d) => match d.ping().await {
            Ok(_) => Some((host, d)),
            Err(e) => skip(
                Component::Dockerd,
                &format!("the daemon does not answer: {e}"),
            ),
        },
        Err(e) => skip(Component::Dockerd, &format!("not reachable: {e}")),
    }
}

/// A string unique to this test run: `<pid>-<nanos>-<n>`.
pub fn unique() -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    format!(
        "{}-{nanos:x}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

/// Run the docker CLI against `url`; panics with its stderr when it fails.
pub async fn cli(url: &str, args: &[&str]) {
    let out = tokio::process::Command::new("docker")
        .arg("-H")
        .arg(url)
        .args(args)
        .output()
        .await
        .expect("the docker CLI runs");
    assert!(
        out.status.success(),
        "docker {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The label every container of one test carries.
pub const TEST_LABEL: &str = "flightdeck.test";

/// Removes every container labelled `flightdeck.test=<run>` on drop (every exit path).
pub struct Cleanup {
    pub docker: Docker,
    pub run: String,
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        let docker = self.docker.clone();
        let run = self.run.clone();
        // Drop may run inside the test's runtime: do the async work on a thread of its own.
        let t = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime for cleanup");
            rt.block_on(async {
                let f = std::collections::HashMap::from([(
                    "label".to_owned(),
                    vec![format!("{TEST_LABEL}={run}")],
                )]);
                let opts = bollard::query_parameters::ListContainersOptions {
                    all: true,
                    filters: Some(f),
                    ..Default::default()
                };
                let list = tokio::time::timeout(
                    Duration::from_secs(10),
                    docker.list_containers(Some(opts)),
                )
                .await;
                for c in list.ok().and_then(Result::ok).unwrap_or_default() {
                    let id = c.id.unwrap_or_default();
                    let rm = bollard::query_parameters::RemoveContainerOptions {
                        force: true,
                        ..Default::default()
                    };
                    let _ = tokio::time::timeout(
                        Duration::from_secs(10),
                        docker.remove_container(&id, Some(rm)),
                    )
                    .await;
                }
            });
        });
        let _ = t.join();
    }
}

pub fn service(name: &str, matcher: ServiceMatch) -> Service {
    Service {
        name: name.to_owned(),
        matcher,
        logs: false,
    }
}

/// A service matching the containers named `<prefix>*`.
pub fn by_name(name: &str, prefix: &str) -> Service {
    service(name, ServiceMatch::Name(format!("{prefix}*")))
}

/// Watchers folded into a model, as the UI does.
pub struct Fold {
    pub model: DockerModel,
    pub seen: Vec<DockerMsg>,
    rx: mpsc::UnboundedReceiver<DockerMsg>,
    pub watch: DockerWatch,
}

impl Fold {
    pub fn start(hosts: Vec<DockerHost>, services: &[Service]) -> Fold {
        let (tx, rx) = mpsc::unbounded_channel();
        let model = DockerModel::new(&hosts);
        let watch = docker::spawn(hosts, services, &tx).expect("watchers start");
        Fold {
            model,
            seen: Vec::new(),
            rx,
            watch,
        }
    }

    /// Fold messages until `ok` holds; panics after `within` with the model. Returns the time
    /// it took.
    pub async fn until(
        &mut self,
        within: Duration,
        what: &str,
        ok: impl Fn(&DockerModel) -> bool,
    ) -> Duration {
        let start = Instant::now();
        let deadline = tokio::time::Instant::now() + within;
        while !ok(&self.model) {
            match tokio::time::timeout_at(deadline, self.rx.recv()).await {
                Ok(Some(msg)) => {
                    self.seen.push(msg.clone());
                    self.model.apply(msg);
                }
                Ok(None) => panic!("the watchers stopped while waiting for {what}"),
                Err(elapsed) => panic!("{elapsed}: not within {within:?}: {what}\n{}", self.dump()),
            }
        }
        start.elapsed()
    }

    /// The containers of the next `n` snapshots (folded into the model as they come).
    pub async fn snapshots(&mut self, n: usize, within: Duration) -> Vec<Vec<ContainerInfo>> {
        let deadline = tokio::time::Instant::now() + within;
        let mut out = Vec::new();
        while out.len() < n {
            match tokio::time::timeout_at(deadline, self.rx.recv()).await {
                Ok(Some(msg)) => {
                    if let DockerMsg::Snapshot { containers, .. } = &msg {
                        out.push(containers.clone());
                    }
                    self.seen.push(msg.clone());
                    self.model.apply(msg);
                }
                Ok(None) => panic!("the watchers stopped while waiting for {n} snapshots"),
                Err(elapsed) => panic!(
                    "{elapsed}: {} of {n} snapshots within {within:?}",
                    out.len()
                ),
            }
        }
        out
    }

    pub fn dump(&self) -> String {
        let mut s = String::new();
        for h in &self.model.hosts {
            let _ = writeln!(s, "host {} {:?}", h.name, h.status);
            for c in h.sorted() {
                let _ = writeln!(
                    s,
                    "  {} {:?} {:?} {:?}",
                    c.name, c.state, c.health, c.services
                );
            }
        }
        s
    }
}

/// The container of `model` named `name`, on any host.
pub fn find<'a>(model: &'a DockerModel, name: &str) -> Option<&'a docker::ContainerInfo> {
    model
        .hosts
        .iter()
        .flat_map(|h| h.containers.values())
        .find(|c| c.name == name)
}

/// For a cockpit-in-tmux test on the shared daemon: the client, a unique run id and the
/// cleanup of its containers; `None` (skip, or fail under `FLIGHTDECK_REQUIRE_DOCKER=1`) without
/// tmux or Docker.
pub async fn tmux_and_shared() -> Option<(Docker, String, Cleanup)> {
    if !crate::skip::need(Component::Tmux) {
        return None;
    }
    let (_, docker) = shared().await?;
    let run = unique();
    let guard = Cleanup {
        docker: docker.clone(),
        run: run.clone(),
    };
    Some((docker, run, guard))
}
