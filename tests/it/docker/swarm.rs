//! Swarm on a PRIVATE dockerd (DESIGN §7): `swarm init --advertise-addr 127.0.0.1`, `ingress`
//! removed at once, one service on the host network; `docker-deploy` updates it to v3 and
//! `docker-rollback` takes it back to v1. A guard leaves the swarm and removes
//! `docker_gwbridge` on every exit path.

use std::process::Command;
use std::time::Duration;

use flightdeck::exec::docker::deploy::{self, DeploySpec};
use flightdeck::exec::docker::{Target, rollback};
use flightdeck::release::{Msg, Phase};
use flightdeck::runbook::{DeployOrder, ServiceMatch};
use flightdeck::watch::docker::{self, Matchers};
use tokio::sync::mpsc;

use super::daemon::PrivateDaemon;
use super::deploy::Images;
use super::images::free_port;
use crate::skip::{Component, skip};

use super::support::{self, unique};

/// Leaves the swarm and removes `docker_gwbridge` when dropped.
struct SwarmGuard {
    url: String,
}

impl Drop for SwarmGuard {
    fn drop(&mut self) {
        for args in [
            &["swarm", "leave", "--force"][..],
            &["network", "rm", "docker_gwbridge"][..],
        ] {
            let _ = Command::new("timeout")
                .arg("30")
                .arg("docker")
                .arg("-H")
                .arg(&self.url)
                .args(args)
                .output();
        }
    }
}

/// A port below the dynamic range (Swarm's data path port must be < 49152).
fn low_port() -> u16 {
    (0..200)
        .map(|_| free_port())
        .find(|p| *p < 49152)
        .expect("a free port below 49152")
}

/// The image the service's spec runs.
async fn spec_image(d: &bollard::Docker, name: &str) -> String {
    let s = d.inspect_service(name, None).await.expect("the service");
    s.spec
        .and_then(|sp| sp.task_template)
        .and_then(|t| t.container_spec)
        .and_then(|c| c.image)
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn swarm_deploy_and_rollback_on_a_private_daemon() {
    super::bounded(Box::pin(async {
        let Some(daemon) = PrivateDaemon::start("swarm").await else {
            return;
        };
        let url = daemon.host.url.clone();
        let d = docker::connect(&daemon.host).await.expect("connects");
        let mut images = Images {
            docker: d.clone(),
            repo: format!("flightdeck-test/swarm-{}", unique()),
            tags: Vec::new(),
        };
        for (v, ok) in [("v1", true), ("v2", false), ("v3", true)] {
            if images.build(v, ok).await.is_none() {
                return;
            }
        }
        let guard = SwarmGuard { url: url.clone() };
        let listen = format!("127.0.0.1:{}", low_port());
        let data_port = low_port().to_string();
        let init = Command::new("timeout")
            .args(["60", "docker", "-H", &url, "swarm", "init"])
            .args(["--advertise-addr", &listen, "--listen-addr", &listen])
            .args(["--data-path-port", &data_port])
            .output()
            .expect("docker swarm init runs");
        if !init.status.success() {
            let err = String::from_utf8_lossy(&init.stderr);
            skip(
                Component::Dockerd,
                &format!("swarm init failed here: {err}"),
            );
            return;
        }
        // Nothing may ever attach to the ingress overlay: remove it at once.
        d.remove_network("ingress").await.expect("ingress removed");
        let name = format!("fd-{}", unique().replace('-', ""));
        let port = free_port().to_string();
        support::cli(
            &url,
            &[
                "service",
                "create",
                "--detach",
                "--no-resolve-image",
                "--name",
                &name,
                "--network",
                "host",
                "--env",
                &format!("PORT={port}"),
                &images.tag("v1"),
            ],
        )
        .await;
        let (tx, _rx) = mpsc::unbounded_channel::<Msg>();
        let svc = support::service("web", ServiceMatch::SwarmService(name.clone()));
        let target = Target {
            phase: Phase::Main,
            step: "deploy".into(),
            service: "web".into(),
            matchers: Matchers::new(&[svc]).expect("matchers"),
            hosts: vec![daemon.host.clone()],
        };
        let spec = DeploySpec {
            target: target.clone(),
            image: images.tag("v3"),
            wait_healthy: Duration::from_secs(60),
            health_url: None,
            order: DeployOrder::StopFirst,
            retain: 3,
            pull: false,
        };
        deploy::run(&spec, &tx).await.expect("the swarm deploy");
        assert_eq!(spec_image(&d, &name).await, images.tag("v3"));
        rollback::run(&target, &tx)
            .await
            .expect("the swarm rollback");
        assert_eq!(spec_image(&d, &name).await, images.tag("v1"));
        // v2 never gets healthy: its tasks fail, and the service goes back to v1.
        let bad = DeploySpec {
            image: images.tag("v2"),
            wait_healthy: Duration::from_secs(40),
            ..spec.clone()
        };
        let err = deploy::run(&bad, &tx).await.expect_err("v2 fails");
        assert!(err.contains("rolled back"), "{err}");
        assert_eq!(spec_image(&d, &name).await, images.tag("v1"), "{err}");
        let _ = d.delete_service(&name).await;
        drop(guard);
        let nets = d
            .list_networks(None::<bollard::query_parameters::ListNetworksOptions>)
            .await
            .unwrap_or_default();
        assert!(
            nets.iter()
                .all(|n| !matches!(n.name.as_deref(), Some("ingress" | "docker_gwbridge"))),
            "no ingress or docker_gwbridge is left"
        );
        drop(images);
        drop(daemon);
    }))
    .await;
}
