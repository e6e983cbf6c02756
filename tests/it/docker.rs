//! Live Docker state against real daemons (DESIGN §7): the services model on the shared
//! daemon, STALE and reconnect on a private daemon, two hosts, a TLS host; and snapshots of
//! the services pane. Tests skip (or fail under FLIGHTDECK_REQUIRE_DOCKER=1) without Docker.

mod daemon;
mod images;
mod pane_fixtures;
mod support;
mod tls;

use std::future::Future;
use std::time::Duration;

use flightdeck::runbook::ServiceMatch;
use flightdeck::watch::docker::{self, DockerModel, DockerMsg, Health, HostStatus, RunState};
use images::{Image, free_port};
use pane_fixtures as px;
use support::{Cleanup, Fold, TEST_LABEL, by_name, find, service, unique};

/// Every test is bounded in time.
async fn bounded<F: Future<Output = ()>>(f: F) {
    tokio::time::timeout(Duration::from_secs(180), f)
        .await
        .expect("the test took more than 180 s");
}

fn state(m: &DockerModel, name: &str) -> Option<(RunState, Health)> {
    find(m, name).map(|c| (c.state, c.health))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn services_show_health_and_follow_events_within_a_second() {
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
        let (ok, bad, stopped, late) = (
            format!("{p}-ok"),
            format!("{p}-bad"),
            format!("{p}-stopped"),
            format!("{p}-late"),
        );
        images::run(&d, Image::Healthy, &ok, &run, &[], Some(free_port())).await;
        images::run(&d, Image::Unhealthy, &bad, &run, &[], Some(free_port())).await;
        let id = images::run(&d, Image::Sleep, &stopped, &run, &[], None).await;
        d.kill_container(&id, None::<bollard::query_parameters::KillContainerOptions>)
            .await
            .unwrap();
        let late_label = ServiceMatch::Label {
            key: "fd.svc".into(),
            value: Some(format!("late-{run}")),
        };
        let services = vec![
            by_name("ok", &ok),
            by_name("bad", &bad),
            by_name("stopped", &stopped),
            service("late", late_label),
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

        // Started and stopped outside flightdeck: shown within 1 s, through events.
        let cli = |args: Vec<String>| {
            let url = host.url.clone();
            async move {
                let out = tokio::process::Command::new("docker")
                    .arg("-H")
                    .arg(url)
                    .args(args)
                    .output()
                    .await
                    .expect("docker CLI");
                assert!(
                    out.status.success(),
                    "{}",
                    String::from_utf8_lossy(&out.stderr)
                );
            }
        };
        let label = |kv: String| vec!["--label".to_owned(), kv];
        let mut args = vec!["run".to_owned(), "-d".into(), "--name".into(), late.clone()];
        args.extend(label(format!("{TEST_LABEL}={run}")));
        args.extend(label(format!("fd.svc=late-{run}")));
        args.extend(["--network".into(), "none".into(), Image::Sleep.tag().into()]);
        cli(args).await;
        f.until(Duration::from_secs(1), "docker run shown", |m| {
            state(m, &late).is_some_and(|(s, _)| s == RunState::Running)
        })
        .await;
        cli(vec!["kill".into(), late.clone()]).await;
        f.until(Duration::from_secs(1), "docker kill shown", |m| {
            state(m, &late).is_some_and(|(s, _)| s == RunState::Exited)
        })
        .await;
        cli(vec!["rm".into(), late.clone()]).await;
        f.until(Duration::from_secs(1), "docker rm shown", |m| {
            find(m, &late).is_none()
        })
        .await;

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
        assert_eq!(names(&f.model, 0), [a.clone()]);
        assert_eq!(names(&f.model, 1), [b.clone()]);
        let text = px::text(&f.model, &services, None, 160);
        let pos = |s: &str| {
            text.find(s)
                .unwrap_or_else(|| panic!("{s} missing from\n{text}"))
        };
        assert!(
            pos(&shared_host.name) < pos(&a) && pos(&a) < pos("second") && pos("second") < pos(&b),
            "{text}"
        );

        // The one-shot snapshot (`flightdeck status`) groups them the same way.
        let snap = docker::snapshot(&hosts, &services).await.unwrap();
        assert_eq!(names(&snap, 0), [a.clone()]);
        assert_eq!(names(&snap, 1), [b.clone()]);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tls_host_connects_with_its_ca_cert_and_key() {
    bounded(async {
        let certs_dir = tempfile::tempdir().unwrap();
        let certs = tls::generate(certs_dir.path());
        let port = free_port();
        let Some(d) =
            daemon::PrivateDaemon::start_tls("tls", port, &certs.server, certs.client.clone())
                .await
        else {
            return;
        };
        let client = docker::connect(&d.host)
            .await
            .unwrap_or_else(|e| panic!("{e}\n{}", d.log_tail()));
        let Some(_) = images::build(&client, Image::Sleep).await else {
            return;
        };
        let run = unique();
        let name = format!("fd-{run}-tls");
        images::run(&client, Image::Sleep, &name, &run, &[], None).await;
        let services = vec![by_name("app", &name)];
        let snap = docker::snapshot(std::slice::from_ref(&d.host), &services)
            .await
            .unwrap();
        assert!(matches!(&snap.hosts[0].status, HostStatus::Live { api } if !api.is_empty()));
        assert_eq!(state(&snap, &name), Some((RunState::Running, Health::None)));

        // Without the client certificate the daemon refuses us: the host is stale.
        let mut plain = d.host.clone();
        plain.tls = None;
        let snap = docker::snapshot(&[plain], &services).await.unwrap();
        assert!(
            matches!(snap.hosts[0].status, HostStatus::Stale { .. }),
            "{:?}",
            snap.hosts[0].status
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_host_is_stale_from_the_start() {
    bounded(async {
        let host = flightdeck::runbook::DockerHost {
            name: "gone".into(),
            url: "unix:///nonexistent/docker.sock".into(),
            tls: None,
        };
        let mut f = Fold::start(vec![host], &[by_name("app", "x")]);
        f.until(Duration::from_secs(2), "stale", |m| {
            matches!(m.hosts[0].status, HostStatus::Stale { .. })
        })
        .await;
        assert!(f.model.check_actionable("gone").is_err());
    })
    .await;
}

#[test]
fn pane_snapshots() {
    use px::{at, container as c, down, live, services, stats, text};
    let svcs = services();
    insta::assert_snapshot!("empty", text(&live(vec![("local", vec![])]), &[], None, 80));

    let mut healthy = live(vec![(
        "local",
        vec![c("backend-1", RunState::Running, Health::Healthy)],
    )]);
    stats(&mut healthy, "local", "backend-1");
    insta::assert_snapshot!("healthy", text(&healthy, &svcs, Some(0), 110));

    let mut crashed = c("backend-2", RunState::Exited, Health::None);
    (
        crashed.exit_code,
        crashed.finished_at,
        crashed.restart_count,
    ) = (Some(1), Some(at(10, 25, 0)), 3);
    let mut sick = c("backend-1", RunState::Running, Health::Unhealthy);
    sick.restart_count = 2;
    insta::assert_snapshot!(
        "unhealthy",
        text(
            &live(vec![("local", vec![sick, crashed])]),
            &svcs,
            None,
            110
        )
    );

    let mut starting = c("backend-1", RunState::Running, Health::Starting);
    starting.started_at = Some(at(10, 29, 56));
    let restarting = c("backend-3", RunState::Restarting, Health::None);
    insta::assert_snapshot!(
        "starting",
        text(
            &live(vec![("local", vec![starting, restarting])]),
            &svcs,
            None,
            110
        )
    );

    let mut stale = live(vec![(
        "local",
        vec![c("backend-1", RunState::Running, Health::Healthy)],
    )]);
    down(&mut stale, "local", at(10, 28, 51));
    insta::assert_snapshot!("stale", text(&stale, &svcs, Some(0), 110));

    let mut worker = c("worker-1", RunState::Running, Health::None);
    worker.services = vec!["worker".into()];
    let two = live(vec![
        (
            "local",
            vec![c("backend-1", RunState::Running, Health::Healthy), worker],
        ),
        (
            "remote",
            vec![c("backend-2", RunState::Paused, Health::Healthy)],
        ),
    ]);
    insta::assert_snapshot!("two_hosts", text(&two, &svcs, Some(1), 110));
    insta::assert_snapshot!("narrow", text(&two, &svcs, Some(1), 40));
}
