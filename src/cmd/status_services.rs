//! The Docker part of `flightdeck status`: one listing of every host (no streams): each
//! service's containers, and each host's state (`live`, or `unreachable` with what the
//! connection said), as `services` and `hosts` in `--json` and as lines in the table.

use std::io::Write;

use serde_json::{Value, json};

use crate::exec::resolve::Resolved;
use crate::watch::docker::{self, DockerModel, Health, HostStatus};

/// The hosts and services, read once.
pub struct Services {
    /// `{"name", "containers": [{"host", "name", "image", "state", "health"}]}` per service.
    pub services: Vec<Value>,
    /// `{"name", "url", "state": "live" | "unreachable", "error"}` per host.
    pub hosts: Vec<Value>,
}

/// List every host once (none without services and `[[docker.hosts]]`).
pub async fn read(r: &Resolved) -> Services {
    let rb = &r.runbook;
    let none = Services {
        services: Vec::new(),
        hosts: Vec::new(),
    };
    if rb.services.is_empty() && rb.docker_hosts.is_empty() {
        return none;
    }
    let hosts = docker::hosts_for(&rb.dir, &rb.docker_hosts);
    let Ok(model) = docker::snapshot(&hosts, &rb.services).await else {
        return none;
    };
    Services {
        services: services_json(r, &model),
        hosts: model.hosts.iter().map(host_json).collect(),
    }
}

fn host_json(h: &docker::HostView) -> Value {
    let (state, error) = match &h.status {
        HostStatus::Live { .. } => ("live", None),
        HostStatus::Unreachable { reason, .. } | HostStatus::Stale { reason, .. } => {
            ("unreachable", Some(reason.clone()))
        }
        HostStatus::Connecting | HostStatus::Relisting { .. } => {
            ("unreachable", Some("not listed".to_owned()))
        }
    };
    json!({"name": h.name, "url": h.url, "state": state, "error": error})
}

fn services_json(r: &Resolved, model: &DockerModel) -> Vec<Value> {
    r.runbook
        .services
        .iter()
        .map(|s| {
            let containers: Vec<Value> = model
                .containers_of(&s.name)
                .map(|(h, c)| {
                    let health = match c.health {
                        Health::None => "none",
                        Health::Starting => "starting",
                        Health::Healthy => "healthy",
                        Health::Unhealthy => "unhealthy",
                    };
                    json!({"host": h.name, "name": c.name, "image": c.image, "state": c.state.as_str(), "health": health})
                })
                .collect();
            json!({"name": s.name, "containers": containers})
        })
        .collect()
}

/// The table's lines: each unreachable host with its reason, then each service's containers
/// (a service without any is `unknown` while a host is unreachable).
pub fn lines(s: &Services, out: &mut impl Write) -> std::io::Result<()> {
    let text = |v: &Value, k: &str| v[k].as_str().unwrap_or_default().to_owned();
    let unreachable: Vec<&Value> = s
        .hosts
        .iter()
        .filter(|h| h["state"] == "unreachable")
        .collect();
    for h in &unreachable {
        let what = if text(h, "url").starts_with("unix://") {
            "unreachable"
        } else {
            "remote unreachable"
        };
        writeln!(
            out,
            "docker host {} ({}): ✖ {what}: {}",
            text(h, "name"),
            text(h, "url"),
            text(h, "error")
        )?;
    }
    for svc in &s.services {
        let name = text(svc, "name");
        let containers = svc["containers"].as_array().map_or(&[][..], Vec::as_slice);
        if containers.is_empty() {
            if unreachable.is_empty() {
                writeln!(out, "service {name}: no matching containers")?;
            } else {
                let names: Vec<String> = unreachable.iter().map(|h| text(h, "name")).collect();
                writeln!(
                    out,
                    "service {name}: unknown: docker host {} unreachable",
                    names.join(", ")
                )?;
            }
        }
        for c in containers {
            let health = match c["health"].as_str().unwrap_or_default() {
                "none" => "no healthcheck",
                h => h,
            };
            writeln!(
                out,
                "service {name}: {} on {} · {} · {} · {health}",
                text(c, "name"),
                text(c, "host"),
                text(c, "image"),
                text(c, "state"),
            )?;
        }
    }
    Ok(())
}
