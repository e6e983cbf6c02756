//! Unit tests of the fleet summary: grouping a service's containers, counting across hosts,
//! a STALE host's share, and the part of a name that tells siblings apart.

use chrono::{TimeZone, Utc};

use super::fleet::{distinguishing_part, summarize};
use super::model_tests::host;
use super::*;

fn c(id: &str, name: &str, service: &str, state: RunState, health: Health) -> ContainerInfo {
    ContainerInfo {
        id: id.to_owned(),
        name: name.to_owned(),
        services: vec![service.to_owned()],
        image: "fleet:1".to_owned(),
        image_digest: String::new(),
        state,
        exit_code: None,
        health,
        started_at: None,
        finished_at: None,
        restart_count: 0,
    }
}

fn live(m: &mut DockerModel, h: &str, containers: Vec<ContainerInfo>) {
    let at = Utc.with_ymd_and_hms(2026, 1, 2, 10, 0, 0).unwrap();
    m.apply(DockerMsg::HostUp {
        host: h.into(),
        at,
        api: "1.41".into(),
        down_since: None,
    });
    m.apply(DockerMsg::Snapshot {
        host: h.into(),
        at,
        containers,
    });
}

fn replicas(prefix: &str, n: usize, service: &str) -> Vec<ContainerInfo> {
    (1..=n)
        .map(|i| {
            let name = format!("{prefix}{i:02}");
            c(&name, &name, service, RunState::Running, Health::Healthy)
        })
        .collect()
}

#[test]
fn a_service_is_grouped_and_counted_across_hosts() {
    let mut m = DockerModel::new(&[host("a"), host("b")]);
    let mut on_a = replicas("web-a", 10, "web");
    on_a.push(c(
        "w",
        "worker-1",
        "worker",
        RunState::Running,
        Health::None,
    ));
    on_a.push(c(
        "p",
        "web-a01.prev-v1",
        "web",
        RunState::Exited,
        Health::None,
    ));
    live(&mut m, "a", on_a);
    let mut on_b = replicas("web-b", 10, "web");
    on_b[0].state = RunState::Exited;
    on_b[1].state = RunState::Restarting;
    on_b[2].health = Health::Unhealthy;
    on_b[3].image = "fleet:2".into();
    live(&mut m, "b", on_b);
    let s = summarize(&m, "web");
    assert_eq!(
        (s.running, s.total),
        (18, 20),
        "the retained one is no replica"
    );
    assert_eq!(s.healthy, 17, "running and healthy only");
    assert_eq!((s.unhealthy, s.restarting, s.stale), (1, 1, 0));
    assert_eq!(s.hosts, [("a".to_owned(), false), ("b".to_owned(), false)]);
    assert_eq!(
        s.images,
        [("fleet:1".to_owned(), 19), ("fleet:2".to_owned(), 1)]
    );
    assert!(!s.all_running());
    assert_eq!(s.checked, 20, "every replica has a health check");
    let w = summarize(&m, "worker");
    assert_eq!((w.running, w.total, w.healthy, w.checked), (1, 1, 0, 0));
    assert_eq!(w.hosts, [("a".to_owned(), false)]);
    assert_eq!(summarize(&m, "none"), fleet::ServiceSummary::default());
}

#[test]
fn a_stale_hosts_share_is_marked_and_never_counted_running() {
    let mut m = DockerModel::new(&[host("a"), host("b")]);
    live(&mut m, "a", replicas("web-a", 10, "web"));
    live(&mut m, "b", replicas("web-b", 10, "web"));
    assert!(summarize(&m, "web").all_running());
    m.apply(DockerMsg::HostDown {
        host: "b".into(),
        at: Utc.with_ymd_and_hms(2026, 1, 2, 10, 5, 0).unwrap(),
        reason: "connection refused".into(),
    });
    let s = summarize(&m, "web");
    assert_eq!((s.running, s.total, s.stale, s.healthy), (10, 20, 10, 10));
    assert_eq!(s.hosts, [("a".to_owned(), false), ("b".to_owned(), true)]);
    assert!(!s.all_running());
    // Reconnected but not re-listed yet: still not current.
    m.apply(DockerMsg::HostUp {
        host: "b".into(),
        at: Utc.with_ymd_and_hms(2026, 1, 2, 10, 6, 0).unwrap(),
        api: "1.41".into(),
        down_since: None,
    });
    assert_eq!(summarize(&m, "web").stale, 10);
}

#[test]
fn counts_follow_events_and_stats_are_summed() {
    let mut m = DockerModel::new(&[host("a")]);
    live(&mut m, "a", replicas("web-a", 3, "web"));
    let mut stopped = c("web-a02", "web-a02", "web", RunState::Exited, Health::None);
    stopped.exit_code = Some(137);
    m.apply(DockerMsg::Changed {
        host: "a".into(),
        container: stopped,
    });
    m.apply(DockerMsg::Removed {
        host: "a".into(),
        id: "web-a03".into(),
    });
    for (id, cpu) in [("web-a01", 1.5), ("web-a02", 9.0)] {
        m.apply(DockerMsg::Stats {
            host: "a".into(),
            id: id.into(),
            stats: ContainerStats {
                cpu_percent: cpu,
                mem_bytes: 1024,
                mem_limit: 0,
            },
        });
    }
    let s = summarize(&m, "web");
    assert_eq!((s.running, s.total), (1, 2));
    assert_eq!(
        s.stats,
        Some((10.5, 2048, 2)),
        "every sampled container adds up"
    );
}

#[test]
fn the_distinguishing_part_of_a_name() {
    let fleet = ["fdbar-fleet-a01", "fdbar-fleet-a02", "fdbar-fleet-b01"];
    assert_eq!(distinguishing_part("fdbar-fleet-a01", &fleet), "a01");
    let compose = ["shop-web-1", "shop-web-2", "shop-web-10"];
    assert_eq!(distinguishing_part("shop-web-10", &compose), "10");
    let tails = ["a.web.prod", "b.web.prod"];
    assert_eq!(distinguishing_part("b.web.prod", &tails), "b");
    assert_eq!(distinguishing_part("web", &["web"]), "web", "alone: whole");
    assert_eq!(distinguishing_part("web", &[]), "web");
    let nested = ["web", "web-canary"];
    assert_eq!(distinguishing_part("web", &nested), "web");
    assert_eq!(distinguishing_part("web-canary", &nested), "web-canary");
    let unlike = ["api-1", "db-1"];
    assert_eq!(distinguishing_part("api-1", &unlike), "api");
}
