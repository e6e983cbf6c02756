//! Live Docker state against real daemons (DESIGN §7): the services model on the shared
//! daemon, STALE and reconnect on a private daemon, two hosts, a TLS host; and snapshots of
//! the services pane (in `docker/pane.rs`); `docker-deploy` / `docker-rollback` (in
//! `docker/deploy.rs`) and on Swarm (in `docker/swarm.rs`). Tests skip without Docker, or
//! fail under `FLIGHTDECK_REQUIRE_DOCKER=1`.

mod daemon;
mod deploy;
mod fleet;
mod fleet_tmux;
mod gate;
mod images;
pub(crate) mod logrig;
mod logs;
mod observe;
mod pane;
mod select;
mod ssh;
mod status;
pub(crate) mod support;
mod swarm;
mod tls;

use std::future::Future;
use std::time::Duration;

use flightdeck::runbook::ServiceMatch;
use flightdeck::watch::docker::{self, DockerModel, DockerMsg, Health, HostStatus, RunState};
use images::{Image, free_port};
use pane as px;
use support::{Cleanup, Fold, TEST_LABEL, by_name, find, service, unique};

/// Every test is bounded in time.
pub(crate) async fn bounded<F: Future<Output = ()>>(f: F) {
    tokio::time::timeout(Duration::from_secs(180), f)
        .await
        .expect("the test took more than 180 s");
}

pub(crate) fn state(m: &DockerModel, name: &str) -> Option<(RunState, Health)> {
    find(m, name).map(|c| (c.state, c.health))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn services_show_healthy_unhealthy_and_stopped_containers() {
    bounded(async {
        let Some((host, d)) = support::shared().await else {
            return;
        };
        let run = unique();
        let _guard = Cleanup {
            docker: d.clone(),
            run: run.clone(),
        };
        for img in [Image::Sleep, Image::Healthy, Image::Unhealthy] {
            let Some(_) = images::build(&d, img).await else {
                return;
            };
        }
        let p = format!("fd-{run}");
        let (ok, bad, stopped) = (
            format!("{p}-ok"),
            format!("{p}-bad"),
            format!("{p}-stopped"),
        );
        images::run(&d, Image::Healthy, &ok, &run, &[], Some(free_port())).await;
        images::run(&d, Image::Unhealthy, &bad, &run, &[], Some(free_port())).await;
        let id = images::run(&d, Image::Sleep, &stopped, &run, &[], None).await;
        d.kill_container(&id, None::<bollard::query_parameters::KillContainerOptions>)
            .await
            .unwrap();
        let services = vec![
            by_name("ok", &ok),
            by_name("bad", &bad),
            by_name("stopped", &stopped),
        ];
        let mut f = Fold::start(vec![host.clone()], &services);
        f.until(
            Duration::from_secs(20),
            "healthy, unhealthy and stopped shown",
            |m| {
                state(m, &ok) == Some((RunState::Running, Health::Healthy))
                    && state(m, &bad) == Some((RunState::Running, Health::Unhealthy))
                    && state(m, &stopped).is_some_and(|(s, _)| s == RunState::Exited)
            },
        )
        .await;
        assert_eq!(find(&f.model, &stopped).unwrap().exit_code, Some(137));
        listing_first_shows_what_docker_ps_knows(&host, &services, [&ok, &bad, &stopped]).await;

        // Stats only for the selected service.
        f.watch.select_stats(Some("ok"));
        f.until(
            Duration::from_secs(10),
            "stats of the selected service",
            |m| m.hosts[0].stats.values().next().is_some(),
        )
        .await;
        let h = &f.model.hosts[0];
        let with_stats: Vec<&str> = h
            .stats
            .keys()
            .map(|id| h.containers[id].name.as_str())
            .collect();
        assert_eq!(with_stats, [ok.as_str()]);
        let text = px::text(&f.model, &services, Some(0), 200);
        for want in ["✔ healthy", "✖ unhealthy", "■", "exited 137", "cpu "] {
            assert!(text.contains(want), "{want:?} missing from\n{text}");
        }

        // Selecting another service (`>` in the cockpit, which also drops the shown stats)
        // moves the stats streams: samples come for it, and no longer for the first.
        f.watch.select_stats(Some("bad"));
        let of = |m: &flightdeck::watch::docker::DockerModel, name: &str| {
            let h = &m.hosts[0];
            h.stats
                .keys()
                .any(|id| h.containers.get(id).is_some_and(|c| c.name == name))
        };
        f.model.clear_stats();
        f.until(
            Duration::from_secs(10),
            "stats of the newly selected",
            |m| of(m, &bad),
        )
        .await;
        f.model.clear_stats();
        f.until(Duration::from_secs(10), "a later sample of it", |m| {
            of(m, &bad)
        })
        .await;
        assert!(
            !of(&f.model, &ok),
            "the first service's stats stream is closed"
        );
    })
    .await;
}

/// A new watcher's first snapshot is `docker ps`'s view (state, health, exit code; no start
/// time), sent before the containers are inspected; the next one is the inspected view.
async fn listing_first_shows_what_docker_ps_knows(
    host: &flightdeck::runbook::DockerHost,
    services: &[flightdeck::runbook::Service],
    [ok, bad, stopped]: [&String; 3],
) {
    let mut f = Fold::start(vec![host.clone()], services);
    let snaps = f.snapshots(2, Duration::from_secs(20)).await;
    let get = |k: usize, name: &str| {
        snaps[k]
            .iter()
            .find(|c| c.name == name)
            .unwrap_or_else(|| panic!("{name} not in snapshot {k}: {:?}", snaps[k]))
            .clone()
    };
    let (first_ok, first_bad, first_stopped) = (get(0, ok), get(0, bad), get(0, stopped));
    assert_eq!(
        (first_ok.state, first_ok.health),
        (RunState::Running, Health::Healthy)
    );
    assert_eq!(
        (first_bad.state, first_bad.health),
        (RunState::Running, Health::Unhealthy)
    );
    assert_eq!(
        (first_stopped.state, first_stopped.exit_code),
        (RunState::Exited, Some(137))
    );
    assert_eq!(first_ok.started_at, None, "not inspected yet");
    let full = get(1, ok);
    assert!(full.started_at.is_some(), "inspected: {full:?}");
    assert_eq!(
        (full.state, full.health, &full.image),
        (first_ok.state, first_ok.health, &first_ok.image)
    );
    assert_eq!(get(1, stopped).exit_code, Some(137));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn containers_started_and_stopped_outside_show_within_a_second() {
    bounded(async {
        let Some((host, d)) = support::shared().await else {
            return;
        };
        let run = unique();
        let _guard = Cleanup {
            docker: d.clone(),
            run: run.clone(),
        };
        let Some(image) = images::build(&d, Image::Sleep).await else {
            return;
        };
        let late = format!("fd-{run}-late");
        let svc_label = format!("late-{run}");
        let services = vec![service(
            "late",
            ServiceMatch::Label {
                key: "fd.svc".into(),
                value: Some(svc_label.clone()),
            },
        )];
        let mut f = Fold::start(vec![host.clone()], &services);
        f.until(Duration::from_secs(10), "listed", |m| {
            matches!(m.hosts[0].status, HostStatus::Live { .. })
        })
        .await;
        let (test_label, fd_label) = (format!("{TEST_LABEL}={run}"), format!("fd.svc={svc_label}"));
        support::cli(
            &host.url,
            &[
                "run",
                "-d",
                "--name",
                &late,
                "--label",
                &test_label,
                "--label",
                &fd_label,
            ]
            .into_iter()
            .chain(["--network", "none", image])
            .collect::<Vec<_>>(),
        )
        .await;
        f.until(Duration::from_secs(1), "docker run shown", |m| {
            state(m, &late).is_some_and(|(s, _)| s == RunState::Running)
        })
        .await;
        support::cli(&host.url, &["kill", &late]).await;
        f.until(Duration::from_secs(1), "docker kill shown", |m| {
            state(m, &late).is_some_and(|(s, _)| s == RunState::Exited)
        })
        .await;
        support::cli(&host.url, &["rm", &late]).await;
        f.until(Duration::from_secs(1), "docker rm shown", |m| {
            find(m, &late).is_none()
        })
        .await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_daemon_restart_goes_stale_refuses_actions_and_relists() {
    bounded(async {
        let Some(mut d) = daemon::PrivateDaemon::start("private").await else {
            return;
        };
        let client = docker::connect(&d.host).await.unwrap();
        let Some(_) = images::build(&client, Image::Sleep).await else {
            return;
        };
        let run = unique();
        let name = format!("fd-{run}-s");
        images::run(&client, Image::Sleep, &name, &run, &[], None).await;
        let services = vec![by_name("sleeper", &name)];
        let mut f = Fold::start(vec![d.host.clone()], &services);
        f.until(Duration::from_secs(10), "listed", |m| {
            state(m, &name).is_some()
        })
        .await;
        assert_eq!(f.model.check_actionable("private"), Ok(()));

        d.terminate();
        let took = f
            .until(Duration::from_secs(2), "STALE within 2 s", |m| {
                matches!(m.hosts[0].status, HostStatus::Stale { .. })
            })
            .await;
        eprintln!("stale after {took:?}");
        let refusal = f.model.check_actionable("private").unwrap_err();
        assert!(refusal.contains("STALE since"), "{refusal}");
        let text = px::text(&f.model, &services, None, 120);
        let rows: Vec<&str> = text.lines().filter(|l| l.contains(&name)).collect();
        assert!(
            !rows.is_empty() && rows.iter().all(|r| r.contains("STALE since")),
            "{text}"
        );

        d.stop().await;
        d.start_again().await;
        f.until(Duration::from_secs(20), "reconnected and re-listed", |m| {
            matches!(m.hosts[0].status, HostStatus::Live { .. })
                && state(m, &name).is_some_and(|(s, _)| s == RunState::Exited)
        })
        .await;
        assert_eq!(f.model.check_actionable("private"), Ok(()));
        let kinds: Vec<&str> = f
            .seen
            .iter()
            .filter_map(|m| match m {
                DockerMsg::HostDown { .. } => Some("down"),
                DockerMsg::HostUp {
                    down_since: Some(_),
                    ..
                } => Some("up-again"),
                _ => None,
            })
            .collect();
        assert_eq!(kinds, ["down", "up-again"]);
        let journaled = f
            .seen
            .iter()
            .filter(|m| m.journal_event().is_some())
            .count();
        assert_eq!(
            journaled, 2,
            "the disconnect and the reconnect are journaled"
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hosts_in_one_runbook_are_grouped_by_host() {
    bounded(async {
        let Some((shared_host, shared)) = support::shared().await else {
            return;
        };
        let Some(private) = daemon::PrivateDaemon::start("second").await else {
            return;
        };
        let second = docker::connect(&private.host).await.unwrap();
        let run = unique();
        let _guard = Cleanup {
            docker: shared.clone(),
            run: run.clone(),
        };
        for d in [&shared, &second] {
            let Some(_) = images::build(d, Image::Sleep).await else {
                return;
            };
        }
        let (a, b) = (format!("fd-{run}-a"), format!("fd-{run}-b"));
        images::run(&shared, Image::Sleep, &a, &run, &[], None).await;
        images::run(&second, Image::Sleep, &b, &run, &[], None).await;
        let services = vec![by_name("app", &format!("fd-{run}-"))];
        let hosts = vec![shared_host.clone(), private.host.clone()];
        let mut f = Fold::start(hosts.clone(), &services);
        f.until(Duration::from_secs(10), "both hosts listed", |m| {
            find(m, &a).is_some() && find(m, &b).is_some()
        })
        .await;
        let names = |m: &DockerModel, i: usize| -> Vec<String> {
            m.hosts[i].sorted().iter().map(|c| c.name.clone()).collect()
        };
        assert_eq!(names(&f.model, 0), std::slice::from_ref(&a));
        assert_eq!(names(&f.model, 1), std::slice::from_ref(&b));
        // Folded: one row for the service, counted across both hosts.
        let folded = px::text(&f.model, &services, None, 160);
        assert!(folded.contains("2/2"), "{folded}");
        assert!(
            !folded.contains(&a),
            "folded rows show no containers:\n{folded}"
        );
        // Expanded (→): its containers, grouped under their hosts.
        let expanded = std::collections::BTreeSet::from(["app".to_owned()]);
        let text = flightdeck::ui::panes::services::to_plain(
            &flightdeck::ui::panes::services::PaneView::new(&f.model, &services, None, px::now())
                .expanded(&expanded)
                .lines(
                    160,
                    &flightdeck::ui::panes::services::ServiceStyles::default(),
                ),
        )
        .join("\n");
        // Each container on its own line, labelled with its host.
        let line_of = |s: &str| {
            text.lines()
                .find(|l| l.contains(s))
                .unwrap_or_else(|| panic!("{s} missing from\n{text}"))
                .to_owned()
        };
        assert!(
            line_of(&a).trim_start().starts_with(&shared_host.name),
            "{text}"
        );
        assert!(line_of(&b).trim_start().starts_with("second"), "{text}");

        // The one-shot snapshot (`flightdeck status`) groups them the same way.
        let snap = docker::snapshot(&hosts, &services).await.unwrap();
        assert_eq!(names(&snap, 0), std::slice::from_ref(&a));
        assert_eq!(names(&snap, 1), std::slice::from_ref(&b));
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_host_is_unreachable_from_the_start() {
    bounded(async {
        let host = flightdeck::runbook::DockerHost {
            name: "gone".into(),
            url: "unix:///nonexistent/docker.sock".into(),
            tls: None,
        };
        let mut f = Fold::start(vec![host], &[by_name("app", "x")]);
        f.until(Duration::from_secs(2), "unreachable", |m| {
            matches!(m.hosts[0].status, HostStatus::Unreachable { .. })
        })
        .await;
        assert!(f.model.check_actionable("gone").is_err());
    })
    .await;
}
