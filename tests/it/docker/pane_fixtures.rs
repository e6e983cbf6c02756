//! Models with fixed times for the services pane snapshots, built the way the UI builds
//! them: by folding `DockerMsg`s.

use chrono::{DateTime, TimeZone, Utc};
use flightdeck::runbook::{DockerHost, Service, ServiceMatch};
use flightdeck::ui::panes::services::{ServiceStyles, services_lines, to_plain};
use flightdeck::watch::docker::{
    ContainerInfo, ContainerStats, DockerModel, DockerMsg, Health, RunState,
};

use super::support::service;

pub fn at(h: u32, m: u32, s: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 2, h, m, s).unwrap()
}

/// The time every snapshot is rendered at.
pub fn now() -> DateTime<Utc> {
    at(10, 30, 0)
}

pub fn services() -> Vec<Service> {
    let label = |v: &str| ServiceMatch::Label {
        key: "com.docker.compose.service".to_owned(),
        value: Some(v.to_owned()),
    };
    vec![
        service("backend", label("backend")),
        service("worker", ServiceMatch::Name("worker-*".to_owned())),
    ]
}

pub fn container(name: &str, state: RunState, health: Health) -> ContainerInfo {
    ContainerInfo {
        id: format!("id-{name}"),
        name: name.to_owned(),
        services: vec!["backend".to_owned()],
        image: "registry.example/backend:1.4.2".to_owned(),
        image_digest: "3f2a1c9d8e7b6a5f4e3d2c1b0a99887766554433".to_owned(),
        state,
        exit_code: None,
        health,
        started_at: Some(at(10, 27, 0)),
        finished_at: None,
        restart_count: 0,
    }
}

fn host(name: &str, url: &str) -> DockerHost {
    DockerHost {
        name: name.to_owned(),
        url: url.to_owned(),
        tls: None,
    }
}

/// A model with live hosts `(name, containers)`, in order.
pub fn live(hosts: Vec<(&str, Vec<ContainerInfo>)>) -> DockerModel {
    let specs: Vec<DockerHost> = hosts
        .iter()
        .map(|(n, _)| host(n, &format!("unix:///run/{n}.sock")))
        .collect();
    let mut m = DockerModel::new(&specs);
    for (name, containers) in hosts {
        m.apply(DockerMsg::HostUp {
            host: name.to_owned(),
            at: at(10, 0, 0),
            api: "1.41".to_owned(),
            down_since: None,
        });
        m.apply(DockerMsg::Snapshot {
            host: name.to_owned(),
            at: at(10, 0, 0),
            containers,
        });
    }
    m
}

pub fn stats(m: &mut DockerModel, host: &str, name: &str) {
    m.apply(DockerMsg::Stats {
        host: host.to_owned(),
        id: format!("id-{name}"),
        stats: ContainerStats {
            cpu_percent: 2.345,
            mem_bytes: 13_002_342,
            mem_limit: 1 << 30,
        },
    });
}

pub fn down(m: &mut DockerModel, host: &str, when: DateTime<Utc>) {
    m.apply(DockerMsg::HostDown {
        host: host.to_owned(),
        at: when,
        reason: "connection refused".to_owned(),
    });
}

/// The pane as plain text, one string per line.
pub fn text(m: &DockerModel, services: &[Service], selected: Option<usize>, width: u16) -> String {
    let lines = services_lines(
        m,
        services,
        selected,
        now(),
        width,
        &ServiceStyles::default(),
    );
    to_plain(&lines).join("\n")
}
