//! Helpers for the log stream tests: a busybox shell image (FROM scratch), containers that run
//! a script with a size-capped json-file log, and a rig that drives `LogStreams` from the
//! Docker watcher's messages into the log pane's state, as the cockpit does.

use std::collections::HashMap;
use std::time::Duration;

use bollard::Docker;
use bollard::models::{ContainerCreateBody, HostConfig, HostConfigLogConfig};
use bollard::query_parameters::{BuildImageOptions, CreateContainerOptions};
use flightdeck::logs::Masker;
use flightdeck::runbook::{DockerHost, Service};
use flightdeck::ui::logs::Logs;
use flightdeck::watch::docker::{self, DockerMsg, DockerWatch};
use flightdeck::watch::logs::{CHANNEL, LogMsg, LogStreams, StreamOpts};
use futures::StreamExt;
use tokio::sync::mpsc;

use crate::skip::Component;

use super::images::BUSYBOX;
use super::support::{TEST_LABEL, by_name, skip};

pub const SHELL: &str = "flightdeck-test/shell:1";

/// Build the shell image: `ENTRYPOINT ["/bin/busybox", "sh", "-c"]`.
pub async fn shell_image(docker: &Docker) -> Option<()> {
    let Ok(busybox) = std::fs::read(BUSYBOX) else {
        return skip(
            Component::Busybox,
            &format!("{BUSYBOX} is missing (install busybox-static)"),
        );
    };
    let mut tar = tar::Builder::new(Vec::new());
    let mut put = |path: &str, data: &[u8], mode: u32| {
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(mode);
        h.set_cksum();
        tar.append_data(&mut h, path, data).expect("tar entry");
    };
    let df = "FROM scratch\nCOPY busybox /bin/busybox\n\
              ENTRYPOINT [\"/bin/busybox\", \"sh\", \"-c\"]\n";
    put("Dockerfile", df.as_bytes(), 0o644);
    put("busybox", &busybox, 0o755);
    let body = tar.into_inner().expect("tar");
    let opts = BuildImageOptions {
        t: Some(SHELL.to_owned()),
        rm: true,
        forcerm: true,
        // No cache: another test's image removal must not take a reused layer away mid-build.
        nocache: true,
        ..Default::default()
    };
    let mut out = docker.build_image(opts, None, Some(bollard::body_full(body.into())));
    while let Some(item) = out.next().await {
        let info = item.unwrap_or_else(|e| panic!("building {SHELL}: {e}"));
        if let Some(e) = info.error_detail.and_then(|d| d.message) {
            panic!("building {SHELL}: {e}");
        }
    }
    Some(())
}

/// Run `script` in a new container (`--network none`, json-file log capped at 2×20 MB).
pub async fn run_script(docker: &Docker, name: &str, run: &str, script: &str) -> String {
    let labels = HashMap::from([(TEST_LABEL.to_owned(), run.to_owned())]);
    let log = HostConfigLogConfig {
        typ: Some("json-file".to_owned()),
        config: Some(HashMap::from([
            ("max-size".to_owned(), "20m".to_owned()),
            ("max-file".to_owned(), "2".to_owned()),
        ])),
    };
    let body = ContainerCreateBody {
        image: Some(SHELL.to_owned()),
        cmd: Some(vec![script.to_owned()]),
        labels: Some(labels),
        host_config: Some(HostConfig {
            network_mode: Some("none".to_owned()),
            log_config: Some(log),
            ..Default::default()
        }),
        ..Default::default()
    };
    let opts = CreateContainerOptions {
        name: Some(name.to_owned()),
        ..Default::default()
    };
    let id = docker
        .create_container(Some(opts), body)
        .await
        .unwrap_or_else(|e| panic!("creating {name}: {e}"))
        .id;
    docker
        .start_container(&id, None)
        .await
        .unwrap_or_else(|e| panic!("starting {name}: {e}"));
    id
}

/// A service with `logs = true` for containers named `<prefix>*`.
pub fn logged(name: &str, prefix: &str) -> Service {
    Service {
        logs: true,
        ..by_name(name, prefix)
    }
}

/// The watcher, the streams it drives, and the log pane's state they fill.
pub struct Rig {
    pub streams: LogStreams,
    pub logs: Logs,
    pub batches: usize,
    drx: mpsc::UnboundedReceiver<DockerMsg>,
    lrx: mpsc::Receiver<LogMsg>,
    _watch: DockerWatch,
}

impl Rig {
    pub fn start(host: DockerHost, services: &[Service], opts: StreamOpts) -> Rig {
        let (dtx, drx) = mpsc::unbounded_channel();
        let (ltx, lrx) = mpsc::channel(CHANNEL);
        let watch = docker::spawn(vec![host.clone()], services, &dtx).expect("watcher");
        let masker = Masker::new(["s3cr3t-value-xyz"]);
        Rig {
            streams: LogStreams::new(vec![host], services, masker, ltx, opts),
            logs: Logs::new(),
            batches: 0,
            drx,
            lrx,
            _watch: watch,
        }
    }

    /// Pump messages until `ok` holds; panics after `within`.
    pub async fn until(&mut self, within: Duration, what: &str, ok: impl Fn(&Logs) -> bool) {
        let deadline = tokio::time::Instant::now() + within;
        while !ok(&self.logs) {
            tokio::select! {
                Some(m) = self.drx.recv() => self.streams.on_docker(&m),
                Some(m) = self.lrx.recv() => {
                    self.batches += 1;
                    self.logs.service_lines(&m.source, m.lines);
                }
                () = tokio::time::sleep_until(deadline) => panic!("not within {within:?}: {what}"),
            }
        }
    }

    /// Pump for `d`, checking `each` after every batch.
    pub async fn pump_for(&mut self, d: Duration, mut each: impl FnMut(&Logs)) {
        let deadline = tokio::time::Instant::now() + d;
        loop {
            tokio::select! {
                Some(m) = self.drx.recv() => self.streams.on_docker(&m),
                Some(m) = self.lrx.recv() => {
                    self.batches += 1;
                    self.logs.service_lines(&m.source, m.lines);
                    each(&self.logs);
                }
                () = tokio::time::sleep_until(deadline) => return,
            }
        }
    }

    /// Docker messages only (the log consumer is held back) for `d`.
    pub async fn hold_for(&mut self, d: Duration) {
        let deadline = tokio::time::Instant::now() + d;
        loop {
            tokio::select! {
                Some(m) = self.drx.recv() => self.streams.on_docker(&m),
                () = tokio::time::sleep_until(deadline) => return,
            }
        }
    }
}

/// Every line of every source, as text.
pub fn all_text(logs: &Logs) -> Vec<String> {
    (0..logs.count())
        .filter_map(|i| logs.source(i))
        .flat_map(|(_, v)| v.iter().map(str::to_owned).collect::<Vec<_>>())
        .collect()
}
