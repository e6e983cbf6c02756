//! The cockpit at fleet scale against two real engines (the shared daemon and a private
//! one), 10 replicas each: the service's row shows 20/20 and both hosts, stopping 3 replicas
//! on one host shows 17/20 within a second, and the merged source `web/*` interleaves lines
//! of several replicas, each prefixed with the part of its name that tells it apart.

use std::time::{Duration, Instant};

use bollard::Docker;
use chrono::Utc;
use flightdeck::logs::Masker;
use flightdeck::runbook::{DockerHost, Service};
use flightdeck::ui::panes::services::{PaneView, ServiceStyles, to_plain};
use flightdeck::ui::{App, AppMsg, Header, Keymap};
use flightdeck::watch::docker::{self, DockerModel, DockerMsg};
use flightdeck::watch::logs::{CHANNEL, LogMsg, LogStreams, StreamOpts};
use tokio::sync::mpsc;

use super::bounded;
use super::daemon::PrivateDaemon;
use super::logrig::{logged, run_script, shell_image};
use super::support::{self, Cleanup, unique};

/// The App fed by both engines' watchers and log streams, as the driver feeds it.
struct Fleet {
    app: App,
    services: Vec<Service>,
    streams: LogStreams,
    drx: mpsc::UnboundedReceiver<DockerMsg>,
    lrx: mpsc::Receiver<LogMsg>,
    _watch: docker::DockerWatch,
}

impl Fleet {
    fn start(hosts: &[DockerHost], services: Vec<Service>) -> Fleet {
        let (dtx, drx) = mpsc::unbounded_channel();
        let (ltx, lrx) = mpsc::channel(CHANNEL);
        let watch = docker::spawn(hosts.to_vec(), &services, &dtx).expect("watchers");
        let streams = LogStreams::new(
            hosts.to_vec(),
            &services,
            Masker::default(),
            ltx,
            StreamOpts::default(),
        );
        let header = Header {
            name: "fleet".into(),
            environment: "staging".into(),
            protected: false,
            version: "1".into(),
            previous: None,
            lkg: None,
            operator: "alice".into(),
            window_deadline: None,
            observing: None,
            warning: None,
        };
        let names = services.iter().map(|s| (s.name.clone(), s.logs)).collect();
        let app = App::new(
            header,
            flightdeck::release::ReleaseState::default(),
            Keymap::default(),
        )
        .with_docker(DockerModel::new(hosts), services.clone())
        .with_services(names);
        Fleet {
            app,
            services,
            streams,
            drx,
            lrx,
            _watch: watch,
        }
    }

    /// The service's row (and the rest of the pane) at 160 columns.
    fn pane(&self) -> String {
        let model = self.app.docker().expect("docker");
        let lines = PaneView::new(model, &self.services, Some(0), Utc::now())
            .lines(160, &ServiceStyles::default());
        to_plain(&lines).join("\n")
    }

    /// Pump both sources into the App (ticking it every 50 ms) until `ok` holds.
    async fn until(&mut self, within: Duration, what: &str, ok: impl Fn(&Fleet) -> bool) {
        let deadline = tokio::time::Instant::now() + within;
        let mut tick = tokio::time::interval(Duration::from_millis(50));
        while !ok(self) {
            tokio::select! {
                Some(m) = self.drx.recv() => {
                    self.streams.on_docker(&m);
                    self.app.update(AppMsg::Docker(m), Utc::now());
                }
                Some(m) = self.lrx.recv() => {
                    self.app.update(AppMsg::Log(m), Utc::now());
                }
                _ = tick.tick() => {
                    self.app.update(AppMsg::Tick, Utc::now());
                }
                () = tokio::time::sleep_until(deadline) => {
                    panic!("not within {within:?}: {what}\n{}", self.pane())
                }
            }
        }
    }
}

async fn replicas(d: &Docker, prefix: &str, run: &str) {
    for i in 1..=10 {
        let name = format!("{prefix}{i:02}");
        let script = "i=0; while true; do echo \"tick $i\"; i=$((i+1)); sleep 0.1; done";
        run_script(d, &name, run, script).await;
    }
}

fn row(pane: &str) -> String {
    pane.lines()
        .find(|l| l.contains("▸web"))
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_replicas_on_two_engines_one_row_and_one_merged_source() {
    bounded(async {
        let Some((shared, d1)) = support::shared().await else {
            return;
        };
        let Some(private) = PrivateDaemon::start("edge").await else {
            return;
        };
        let d2 = docker::connect(&private.host)
            .await
            .expect("private engine");
        if shell_image(&d1).await.is_none() || shell_image(&d2).await.is_none() {
            return;
        }
        let run = unique();
        let _guard = Cleanup {
            docker: d1.clone(),
            run: run.clone(),
        };
        let prefix = format!("fd-fleet-{run}-");
        replicas(&d1, &format!("{prefix}a"), &run).await;
        replicas(&d2, &format!("{prefix}b"), &run).await;
        let service = logged("web", &prefix);
        let mut f = Fleet::start(&[shared.clone(), private.host.clone()], vec![service]);
        let hosts = format!("{},{}", shared.name, private.host.name);
        f.until(Duration::from_secs(30), "20/20 on both hosts", |f| {
            let r = row(&f.pane());
            r.contains("● 20/20") && r.contains(&hosts)
        })
        .await;

        // Stop three replicas on the private engine: the row follows the events.
        let stops = (1..=3).map(|i| {
            let name = format!("{prefix}b{i:02}");
            let d2 = d2.clone();
            async move {
                let opts = bollard::query_parameters::StopContainerOptions {
                    t: Some(0),
                    ..Default::default()
                };
                d2.stop_container(&name, Some(opts)).await.expect("stop");
            }
        });
        futures::future::join_all(stops).await;
        let stopped = Instant::now();
        f.until(Duration::from_secs(5), "17/20", |f| {
            row(&f.pane()).contains("◐ 17/20")
        })
        .await;
        let took = stopped.elapsed();
        assert!(took < Duration::from_secs(1), "17/20 after {took:?}");

        // The merged source: lines of several replicas on both hosts, each prefixed.
        f.until(Duration::from_secs(20), "merged lines of 6 replicas", |f| {
            let lines = f.app.log_lines("web/*").unwrap_or_default();
            let mut who: Vec<&str> = lines
                .iter()
                .filter_map(|l| l.split_once(" │ ").map(|(p, _)| p.trim()))
                .collect();
            who.sort_unstable();
            who.dedup();
            who.len() >= 6
                && who.iter().any(|p| p.starts_with('a'))
                && who.iter().any(|p| p.starts_with('b'))
        })
        .await;
        let lines = f.app.log_lines("web/*").expect("web/*");
        for l in &lines {
            let (p, rest) = l
                .split_once(" │ ")
                .unwrap_or_else(|| panic!("no prefix: {l}"));
            let p = p.trim();
            assert!(
                p.len() == 3 && (p.starts_with('a') || p.starts_with('b')),
                "the prefix tells the replica apart: {l}"
            );
            assert!(
                rest.starts_with("tick ") || rest.starts_with("— stream"),
                "{l}"
            );
        }
        let own = f
            .app
            .log_lines(&format!("web/{prefix}a01"))
            .expect("the per-container source remains");
        assert!(own.iter().all(|l| l.starts_with("tick ")), "{own:?}");
        drop(f);
        drop(private);
    })
    .await;
}
