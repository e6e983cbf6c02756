//! `docker-deploy` and `docker-rollback` against the shared daemon: busybox httpd images
//! v1/v3 (healthy) and v2 (no `/health`), deployed by a headless `flightdeck run --plain`
//! and rolled back by `flightdeck rollback --yes`; `retain` and a missing image through the
//! executor directly; a deploy spanning the shared and a private daemon.

mod scene;

use std::time::Duration;

use flightdeck::exec::docker::deploy::{self, DeploySpec};
use flightdeck::release::Msg;
use tokio::sync::mpsc;

use super::daemon::PrivateDaemon;
use super::images::free_port;
use crate::run::{Dir, out};
use scene::pane_text;
pub use scene::{Images, Scene};

fn headless(d: &Dir, args: &[&str]) -> std::process::Output {
    let mut c = d.cmd(args);
    c.timeout(Duration::from_secs(120));
    c.output().expect("runs")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_deploy_restores_the_old_container_and_journals_its_logs() {
    super::bounded(Box::pin(async {
        let Some(s) = Scene::start().await else {
            return;
        };
        let d = Dir::new(&s.runbook(&s.images.tag("v2")));
        let o = headless(&d, &["run", "--plain"]);
        assert_eq!(o.status.code(), Some(1), "{}", out(&o));
        let (image, running) = s.state_of(&s.name).await.expect("the container is back");
        assert_eq!(image, s.images.tag("v1"), "{}", out(&o));
        assert!(running, "v1 runs again");
        let (records, _) = d.latest();
        let failed = records
            .iter()
            .find(|r| r.kind.as_str() == "docker-action" && r.data["action"] == "deploy-failed")
            .expect("a deploy-failed docker-action");
        let logs = failed.data["detail"]["logs"].to_string();
        assert!(logs.contains("web v2 starting"), "{}", failed.data);
        assert!(
            failed.data["detail"]["to"]["id"].is_string(),
            "{}",
            failed.data
        );
        let shown = records.iter().any(|r| {
            r.kind.as_str() == "output" && r.data["lines"].to_string().contains("web v2 starting")
        });
        assert!(
            shown,
            "the failing log lines reach the log pane (and the journal)"
        );
        assert!(s.state_of(&format!("{}.prev-v1", s.name)).await.is_none());
        d.verify_latest();
    }))
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deploy_then_rollback_through_the_binary() {
    super::bounded(Box::pin(async {
        let Some(s) = Scene::start().await else {
            return;
        };
        let d = Dir::new(&s.runbook(&s.images.tag("v3")));
        let o = headless(&d, &["run", "--plain"]);
        assert_eq!(o.status.code(), Some(0), "{}", out(&o));
        assert_eq!(
            s.state_of(&s.name).await,
            Some((s.images.tag("v3"), true)),
            "v3 runs"
        );
        let prev = format!("{}.prev-v1", s.name);
        assert_eq!(
            s.state_of(&prev).await,
            Some((s.images.tag("v1"), false)),
            "v1 is retained, stopped"
        );
        insta::assert_snapshot!("after_deploy", pane_text(&s, &s.images.tag("v3")).await);
        let o = headless(&d, &["rollback", "--yes"]);
        assert_eq!(o.status.code(), Some(0), "{}", out(&o));
        assert_eq!(
            s.state_of(&s.name).await,
            Some((s.images.tag("v1"), true)),
            "v1 runs under the original name"
        );
        assert!(s.state_of(&prev).await.is_none());
        s.wait_healthy(&s.name).await;
        insta::assert_snapshot!("after_rollback", pane_text(&s, &s.images.tag("v3")).await);
        let (records, _) = d.latest();
        let rb = records
            .iter()
            .find(|r| r.kind.as_str() == "docker-action" && r.data["action"] == "rollback")
            .expect("a rollback docker-action");
        assert_eq!(rb.data["detail"]["from"]["image"], s.images.tag("v3"));
        assert_eq!(rb.data["detail"]["to"]["image"], s.images.tag("v1"));
        d.verify_latest();
    }))
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retain_is_honoured_and_a_missing_image_stops_nothing() {
    super::bounded(Box::pin(async {
        let Some(s) = Scene::start().await else {
            return;
        };
        let (tx, mut rx) = mpsc::unbounded_channel::<Msg>();
        let before = s.docker.inspect_container(&s.name, None).await.unwrap().id;
        let missing = s.images.tag("nope");
        let err = deploy::run(&s.spec(&missing, 2), &tx)
            .await
            .expect_err("a missing image fails");
        assert!(
            err.contains("not present") && err.contains("nothing was stopped"),
            "{err}"
        );
        let now = s.docker.inspect_container(&s.name, None).await.unwrap();
        assert_eq!(now.id, before);
        assert_eq!(now.state.and_then(|x| x.running), Some(true));
        for v in ["v3", "v1", "v3", "v1"] {
            deploy::run(&s.spec(&s.images.tag(v), 2), &tx)
                .await
                .unwrap_or_else(|e| panic!("deploying {v}: {e}"));
        }
        assert_eq!(s.state_of(&s.name).await, Some((s.images.tag("v1"), true)));
        let prev = flightdeck::exec::docker::ops::retained(&s.docker, &s.name)
            .await
            .unwrap();
        let names: Vec<&str> = prev.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(prev.len(), 2, "{names:?}");
        assert_eq!(prev[0].image, s.images.tag("v3"), "newest first: {names:?}");
        assert!(prev.iter().all(|f| !f.running));
        let mut prunes = 0;
        while let Ok(m) = rx.try_recv() {
            if let Msg::Record(flightdeck::release::Event::DockerAction { action, .. }) = m {
                prunes += usize::from(action == "prune");
            }
        }
        assert_eq!(prunes, 2, "two older previous containers were removed");
    }))
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deploy_spans_two_hosts() {
    super::bounded(Box::pin(async {
        let Some(mut s) = Scene::start().await else {
            return;
        };
        let Some(daemon) = PrivateDaemon::start("second").await else {
            return;
        };
        let d2 = flightdeck::watch::docker::connect(&daemon.host)
            .await
            .expect("the private daemon");
        let mut images2 = Images {
            docker: d2.clone(),
            repo: s.images.repo.clone(),
            tags: Vec::new(),
        };
        for v in ["v1", "v3"] {
            if images2.build(v, true).await.is_none() {
                return;
            }
        }
        let name2 = format!("{}-2", s.name);
        super::images::run_tag(
            &d2,
            &s.images.tag("v1"),
            &name2,
            &s.run,
            &[("flightdeck.svc", &s.run)],
            Some(free_port()),
        )
        .await;
        let mut spec = s.spec(&s.images.tag("v3"), 3);
        spec.target.hosts.push(daemon.host.clone());
        let (tx, _rx) = mpsc::unbounded_channel::<Msg>();
        deploy::run(&spec, &tx)
            .await
            .expect("deploys on both hosts");
        assert_eq!(s.state_of(&s.name).await, Some((s.images.tag("v3"), true)));
        let i = d2.inspect_container(&name2, None).await.expect("host 2");
        assert_eq!(
            i.config.and_then(|c| c.image).as_deref(),
            Some(s.images.tag("v3").as_str())
        );
        assert_eq!(i.state.and_then(|x| x.running), Some(true));
        // v4 is healthy on the shared daemon but not on the private one: the shared host's
        // replacement is undone, and both run v3 again.
        if s.images.build("v4", true).await.is_none() || images2.build("v4", false).await.is_none()
        {
            return;
        }
        let spec4 = DeploySpec {
            image: s.images.tag("v4"),
            ..spec.clone()
        };
        let err = deploy::run(&spec4, &tx)
            .await
            .expect_err("host 2 is unhealthy");
        assert!(err.contains("restored"), "{err}");
        assert_eq!(
            s.state_of(&s.name).await,
            Some((s.images.tag("v3"), true)),
            "{err}"
        );
        let i = d2.inspect_container(&name2, None).await.expect("host 2");
        assert_eq!(
            i.config.and_then(|c| c.image).as_deref(),
            Some(s.images.tag("v3").as_str())
        );
        let kept = flightdeck::exec::docker::ops::retained(&s.docker, &s.name)
            .await
            .unwrap();
        assert_eq!(kept.len(), 1, "only v1 is retained on the shared host");
        drop(images2);
        drop(daemon);
    }))
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_url_and_start_first() {
    super::bounded(Box::pin(async {
        let Some(mut s) = Scene::start().await else {
            return;
        };
        for (v, health) in [("p2", false), ("p3", true)] {
            if s.images.build_with(v, health, false).await.is_none() {
                return;
            }
        }
        let env = s.docker.inspect_container(&s.name, None).await.unwrap();
        let port = env
            .config
            .and_then(|c| c.env)
            .unwrap_or_default()
            .into_iter()
            .rev()
            .find_map(|e| e.strip_prefix("PORT=").map(str::to_owned))
            .expect("PORT");
        let url = format!("http://127.0.0.1:{port}/health");
        let (tx, _rx) = mpsc::unbounded_channel::<Msg>();
        // Without a Docker healthcheck, `health_url` decides: p2 has no /health.
        let mut spec = s.spec(&s.images.tag("p2"), 3);
        spec.health_url = Some(url.clone());
        spec.wait_healthy = Duration::from_secs(4);
        let err = deploy::run(&spec, &tx)
            .await
            .expect_err("p2 is not healthy");
        assert!(err.contains("/health"), "{err}");
        assert_eq!(s.state_of(&s.name).await, Some((s.images.tag("v1"), true)));
        spec.image = s.images.tag("p3");
        deploy::run(&spec, &tx).await.expect("p3 answers /health");
        assert_eq!(s.state_of(&s.name).await, Some((s.images.tag("p3"), true)));
        // start-first: the old container runs until the new one is healthy. On the host
        // network the new httpd cannot bind the same port, so it fails, and the old one was
        // never stopped.
        let before = s.docker.inspect_container(&s.name, None).await.unwrap();
        spec.image = s.images.tag("v3");
        spec.order = flightdeck::runbook::DeployOrder::StartFirst;
        spec.health_url = None;
        let err = deploy::run(&spec, &tx)
            .await
            .expect_err("the port is taken");
        let after = s.docker.inspect_container(&s.name, None).await.unwrap();
        assert_eq!(after.id, before.id, "{err}");
        assert_eq!(
            after.state.and_then(|x| x.started_at),
            before.state.and_then(|x| x.started_at),
            "the old container was never restarted: {err}"
        );
    }))
    .await;
}

/// Fault injection: the (private) dockerd stops in the middle of a `docker-deploy` (while it
/// waits for the new container's health). The step fails cleanly and promptly, saying the
/// daemon went away; when the daemon is back, a listing shows the containers' real state.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dockerd_stopping_mid_deploy_fails_the_step_cleanly() {
    super::bounded(Box::pin(async {
        let Some(s) = Scene::start().await else {
            return;
        };
        let Some(mut daemon) = PrivateDaemon::start("faulty").await else {
            return;
        };
        let d2 = flightdeck::watch::docker::connect(&daemon.host)
            .await
            .expect("the private daemon");
        let mut images2 = scene::Images {
            docker: d2.clone(),
            repo: s.images.repo.clone(),
            tags: Vec::new(),
        };
        // v2 has no healthcheck: the deploy waits the whole `wait_healthy` (20 s) for it.
        if images2.build("v1", true).await.is_none()
            || images2.build_with("v2", true, false).await.is_none()
        {
            return;
        }
        let name = format!("{}-f", s.name);
        super::images::run_tag(
            &d2,
            &s.images.tag("v1"),
            &name,
            &s.run,
            &[("flightdeck.svc", &s.run)],
            Some(free_port()),
        )
        .await;
        let mut spec = s.spec(&s.images.tag("v2"), 3);
        spec.target.hosts = vec![daemon.host.clone()];
        let (tx, mut rx) = mpsc::unbounded_channel::<Msg>();
        let deploying = tokio::spawn(async move { deploy::run(&spec, &tx).await });
        // The deploy is waiting for v2: stop the daemon under it.
        tokio::time::sleep(Duration::from_secs(3)).await;
        let started = std::time::Instant::now();
        daemon.stop().await;
        let result = tokio::time::timeout(Duration::from_secs(60), deploying)
            .await
            .expect("the deploy does not hang when the daemon goes away")
            .expect("joined");
        let err = result.expect_err("a deploy whose daemon went away fails");
        assert!(!err.is_empty(), "the failure says why");
        assert!(
            started.elapsed() < Duration::from_secs(45),
            "it fails promptly, not after every timeout: {:?}",
            started.elapsed()
        );
        // What the step journaled or showed on the way (nothing may panic or be lost).
        let mut kinds = Vec::new();
        while let Ok(m) = rx.try_recv() {
            if let Msg::Record(flightdeck::release::Event::DockerAction { action, .. }) = &m {
                kinds.push(action.clone());
            }
        }
        eprintln!("err: {err}\nactions: {kinds:?}");
        assert!(
            !err.contains("unhealthy"),
            "the failure is the daemon going away, not a health check: {err}"
        );
        assert!(
            err.contains("restoring the old container failed"),
            "it says the old container could not be put back, so the state must be checked: {err}"
        );
        assert_eq!(kinds, ["deploy-failed"], "the failure is journaled");
        // The daemon returns: a one-shot listing shows the real state of the service.
        daemon.start_again().await;
        let model = flightdeck::watch::docker::snapshot(&[daemon.host.clone()], &[s.service()])
            .await
            .expect("listed");
        let names: Vec<String> = model
            .containers_of("web")
            .map(|(_, c)| c.name.clone())
            .collect();
        assert!(
            !names.is_empty(),
            "the service's containers are listed again: {err}"
        );
        daemon.stop().await;
    }))
    .await;
}
