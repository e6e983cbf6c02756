//! The cockpit at fleet scale: one row per service with 1, 20 and 500 containers (80×24 and
//! 160×48 snapshots), `→` / `←` expanding and folding the selected service, a STALE host.

use insta::assert_snapshot;

use super::{H, screen, t};
use crate::model::docker::{
    ContainerInfo, ContainerStats, DockerModel, DockerMsg, Health, RunState,
};
use crate::runbook::{DockerHost, Service, ServiceMatch};
use crate::ui::app::{AppMsg, Focus};

fn services() -> Vec<Service> {
    ["web", "worker"]
        .into_iter()
        .map(|n| Service {
            name: n.to_owned(),
            matcher: ServiceMatch::Name(format!("{n}-*")),
            logs: true,
        })
        .collect()
}

pub(super) fn replica(host: &str, i: usize, service: &str) -> ContainerInfo {
    let name = format!("fdbar-{service}-{host}{i:02}");
    ContainerInfo {
        id: format!("id-{name}"),
        name,
        services: vec![service.to_owned()],
        image: format!("registry.example/{service}:1.4.2"),
        image_digest: "3f2a1c9d8e7b6a5f4e3d2c1b".to_owned(),
        state: RunState::Running,
        exit_code: None,
        health: Health::Healthy,
        started_at: Some(t(-180)),
        finished_at: None,
        restart_count: 0,
    }
}

/// `n` replicas of `web` spread over two hosts (one host when `n` is 1), a worker, stats for
/// the first replicas; with 20, one replica restarts and one exited.
fn fleet(n: usize) -> DockerModel {
    let hosts: Vec<&str> = if n == 1 { vec!["a"] } else { vec!["a", "b"] };
    let specs: Vec<DockerHost> = hosts
        .iter()
        .map(|h| DockerHost {
            name: format!("edge-{h}"),
            url: format!("tcp://127.0.0.1:23{}", h.len()),
            tls: None,
        })
        .collect();
    let mut m = DockerModel::new(&specs);
    for (k, h) in hosts.iter().enumerate() {
        let host = format!("edge-{h}");
        let mut list: Vec<ContainerInfo> = (1..=n / hosts.len())
            .map(|i| replica(h, i, "web"))
            .collect();
        if n == 20 && k == 1 {
            list[3].state = RunState::Restarting;
            list[3].restart_count = 4;
            list[7].state = RunState::Exited;
            list[7].exit_code = Some(137);
            list[7].finished_at = Some(t(-20));
        }
        if k == 0 {
            list.push(replica(h, 1, "worker"));
        }
        m.apply(DockerMsg::HostUp {
            host: host.clone(),
            at: t(-600),
            api: "1.47".into(),
            down_since: None,
        });
        m.apply(DockerMsg::Snapshot {
            host: host.clone(),
            at: t(-600),
            containers: list,
        });
        for i in 1..=2.min(n) {
            m.apply(DockerMsg::Stats {
                host: host.clone(),
                id: format!("id-fdbar-web-{h}{i:02}"),
                stats: ContainerStats {
                    cpu_percent: 1.25,
                    mem_bytes: 50 << 20,
                    mem_limit: 1 << 30,
                },
            });
        }
    }
    m
}

/// The services pane's lines at 120 columns, as plain text.
fn pane(h: &H) -> String {
    use crate::ui::panes::services::{PaneView, ServiceStyles, to_plain};
    let (model, defs) = h.app.docker.as_ref().expect("docker");
    let lines = PaneView::new(model, defs, Some(h.app.selected_service), h.now())
        .expanded(&h.app.expanded)
        .lines(120, &ServiceStyles::default());
    to_plain(&lines).join("\n")
}

pub(super) fn cockpit(n: usize) -> H {
    let mut h = H::new("staging");
    h.app.docker = Some((fleet(n), services()));
    h.app = h
        .app
        .clone()
        .with_services(vec![("web".into(), true), ("worker".into(), false)]);
    h.send(AppMsg::Resize(80, 24));
    h
}

#[test]
fn one_row_per_service_at_1_20_and_500_containers() {
    for n in [1, 20, 500] {
        let mut h = cockpit(n);
        assert_snapshot!(format!("fleet_{n}_80x24"), screen(&mut h, 80, 24));
        assert_snapshot!(format!("fleet_{n}_160x48"), screen(&mut h, 160, 48));
    }
}

#[test]
fn the_row_counts_across_hosts() {
    let h = cockpit(20);
    let s = pane(&h);
    let row = s.lines().find(|l| l.contains("▸web")).expect("web row");
    assert!(
        row.contains("+ ◐ 18/20 ✔18 ↻1 edge-a,edge-b web:1.4.2"),
        "{row}"
    );
    assert!(
        s.contains("Σ cpu 5.0%  mem 200.0 MiB · 4 containers"),
        "stats summed:\n{s}"
    );
    assert_eq!(
        s.matches("fdbar-web-").count(),
        0,
        "no container rows while folded:\n{s}"
    );
}

#[test]
fn right_expands_the_selected_service_and_left_folds_it() {
    let mut h = cockpit(20);
    h.key("right");
    assert!(
        h.status().contains("focus the services pane"),
        "{}",
        h.status()
    );
    assert!(h.app.expanded.is_empty());
    while h.app.focus != Focus::Services {
        h.key("tab");
    }
    h.key("right");
    assert!(h.app.expanded.contains("web"));
    let s = screen(&mut h, 160, 48);
    assert!(s.contains("− ◐ 18/20"), "{s}");
    assert!(!s.contains("Σ cpu"), "expanded: per-container stats\n{s}");
    let h48 = s.lines().filter(|l| l.contains("fdbar-web-")).count();
    assert!(h48 > 10, "{s}");
    assert!(s.contains("edge-b") && s.contains("exited 137"), "{s}");
    assert_snapshot!("fleet_20_expanded_80x24", screen(&mut h, 80, 24));
    // Scrolling reaches the last container row.
    h.key("end");
    let s = screen(&mut h, 80, 24);
    assert!(s.contains("fdbar-web-b10"), "{s}");
    h.key("home");
    h.key("left");
    assert!(h.app.expanded.is_empty());
    let s = screen(&mut h, 160, 48);
    assert_eq!(s.matches("fdbar-web-").count(), 0, "{s}");
}

#[test]
fn enter_never_expands() {
    let mut h = cockpit(20);
    while h.app.focus != Focus::Services {
        h.key("tab");
    }
    h.key("enter");
    assert!(h.app.expanded.is_empty());
}

#[test]
fn a_stale_hosts_share_is_marked_on_the_row() {
    let mut h = cockpit(20);
    h.send(AppMsg::Docker(DockerMsg::HostDown {
        host: "edge-b".into(),
        at: t(-5),
        reason: "connection refused".into(),
    }));
    let s = pane(&h);
    let row = s.lines().find(|l| l.contains("▸web")).expect("web row");
    assert!(
        row.contains("? 10/20 ✔10 ↻0 ?10 STALE edge-a,edge-b(STALE)"),
        "{row}"
    );
}
