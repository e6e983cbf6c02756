//! Unit tests of the pure parts: conversions of real API objects (fixtures captured from
//! Debian's dockerd 20.10, API 1.41), matchers, the model's folding and refusals, journaling.

use std::collections::HashMap;
use std::path::Path;

use bollard::models::{ContainerInspectResponse, ContainerStatsResponse, EventMessage};
use chrono::{DateTime, TimeZone, Utc};

use super::*;
use crate::release::Event;
use crate::runbook::{DockerHost, Service, ServiceMatch, TlsFiles};

fn fixture<T: serde::de::DeserializeOwned>(name: &str) -> T {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/docker")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn svc(name: &str, matcher: ServiceMatch) -> Service {
    Service {
        name: name.to_owned(),
        matcher,
        logs: false,
    }
}

fn label(k: &str, v: Option<&str>) -> ServiceMatch {
    ServiceMatch::Label {
        key: k.to_owned(),
        value: v.map(str::to_owned),
    }
}

fn t(h: u32, m: u32, s: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 2, h, m, s).unwrap()
}

fn api_matchers() -> Matchers {
    Matchers::new(&[svc("api", label("com.docker.compose.service", Some("api")))]).unwrap()
}

#[test]
fn a_running_healthy_container_converts() {
    let c: ContainerInspectResponse = fixture("inspect-running-healthy.json");
    let info = container_info(&c, &api_matchers()).unwrap();
    assert_eq!(info.name, "fdfixture-api-1");
    assert_eq!(info.services, ["api"]);
    assert_eq!(info.image, "fdfixture:healthy");
    assert!(info.image_digest.starts_with("f46116d2ba36"));
    assert_eq!(info.state, RunState::Running);
    assert_eq!(info.health, Health::Healthy);
    assert_eq!(info.exit_code, None);
    assert!(info.started_at.is_some());
    assert_eq!(info.finished_at, None, "Docker's zero time is no time");
    assert_eq!(info.restart_count, 0);
}

#[test]
fn an_exited_container_keeps_its_code_and_drops_its_last_health() {
    let c: ContainerInspectResponse = fixture("inspect-exited.json");
    let info = container_info(&c, &api_matchers()).unwrap();
    assert_eq!(info.state, RunState::Exited);
    assert_eq!(info.exit_code, Some(137));
    assert_eq!(info.health, Health::None);
    assert!(info.finished_at.is_some());
}

#[test]
fn a_container_of_no_service_is_not_converted() {
    let c: ContainerInspectResponse = fixture("inspect-running-healthy.json");
    let m = Matchers::new(&[svc("web", ServiceMatch::Name("web-*".into()))]).unwrap();
    assert!(container_info(&c, &m).is_none());
}

#[test]
fn stats_follow_the_docker_stats_formulas() {
    let s: ContainerStatsResponse = fixture("stats.json");
    let st = stats_of(&s).unwrap();
    let want = (88_676_915.0 - 78_863_773.0) / (4_697_640_000_000.0 - 4_695_720_000_000.0) * 200.0;
    assert!((st.cpu_percent - want).abs() < 1e-9, "{}", st.cpu_percent);
    assert_eq!(st.mem_bytes, 430_080);
    assert_eq!(st.mem_limit, 25_276_510_208);
    let mut first = s.clone();
    first.precpu_stats.as_mut().unwrap().system_cpu_usage = None;
    assert!(
        stats_of(&first).is_none(),
        "the first sample has no previous one"
    );
}

#[test]
fn an_event_carries_what_matching_needs() {
    let e: EventMessage = fixture("event-health.json");
    let attrs = e.actor.unwrap().attributes.unwrap();
    assert_eq!(api_matchers().services_for(&attrs["name"], &attrs), ["api"]);
    assert_eq!(e.action.as_deref(), Some("health_status: healthy"));
}

#[test]
fn matchers_by_label_name_and_swarm_service() {
    let m = Matchers::new(&[
        svc("api", label("app", Some("api"))),
        svc("any", label("app", None)),
        svc("web", ServiceMatch::Name("web-*".into())),
        svc("swarm", ServiceMatch::SwarmService("front".into())),
    ])
    .unwrap();
    let labels = |pairs: &[(&str, &str)]| -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    };
    assert_eq!(
        m.services_for("/x", &labels(&[("app", "api")])),
        ["api", "any"]
    );
    assert_eq!(m.services_for("x", &labels(&[("app", "db")])), ["any"]);
    assert_eq!(m.services_for("/web-1", &labels(&[])), ["web"]);
    assert!(m.services_for("/api-1", &labels(&[])).is_empty());
    let swarm = labels(&[(SWARM_SERVICE_LABEL, "front")]);
    assert_eq!(m.services_for("front.1.abc", &swarm), ["swarm"]);
    let err = Matchers::new(&[svc("bad", ServiceMatch::Name("web-[".into()))]).unwrap_err();
    assert!(err.to_string().contains("service `bad`"), "{err}");
}

fn host(name: &str) -> DockerHost {
    DockerHost {
        name: name.to_owned(),
        url: format!("unix:///run/{name}.sock"),
        tls: None,
    }
}

fn container(id: &str, state: RunState) -> ContainerInfo {
    ContainerInfo {
        id: id.to_owned(),
        name: format!("api-{id}"),
        services: vec!["api".to_owned()],
        image: "app:1".to_owned(),
        image_digest: "0123456789abcdef".to_owned(),
        state,
        exit_code: None,
        health: Health::Healthy,
        started_at: Some(t(10, 0, 0)),
        finished_at: None,
        restart_count: 0,
    }
}

fn up(model: &mut DockerModel, h: &str, down_since: Option<DateTime<Utc>>) {
    let at = t(10, 0, 0);
    model.apply(DockerMsg::HostUp {
        host: h.into(),
        at,
        api: "1.41".into(),
        down_since,
    });
}

#[test]
fn the_model_goes_live_stale_and_live_again() {
    let mut m = DockerModel::new(&[host("a")]);
    assert!(
        m.check_actionable("a")
            .unwrap_err()
            .contains("not connected yet")
    );
    up(&mut m, "a", None);
    assert!(m.check_actionable("a").unwrap_err().contains("re-listing"));
    let snap = |cs| DockerMsg::Snapshot {
        host: "a".into(),
        at: t(10, 0, 0),
        containers: cs,
    };
    assert!(m.apply(snap(vec![container("1", RunState::Running)])));
    assert_eq!(m.check_actionable("a"), Ok(()));
    assert!(
        !m.apply(snap(vec![container("1", RunState::Running)])),
        "nothing changed"
    );
    let down = |at| DockerMsg::HostDown {
        host: "a".into(),
        at,
        reason: "connection refused".into(),
    };
    assert!(m.apply(down(t(10, 5, 7))));
    m.apply(down(t(10, 5, 9)));
    let h = m.host("a").unwrap();
    assert_eq!(
        h.status.stale_since(),
        Some(t(10, 5, 7)),
        "the first outage time stays"
    );
    assert_eq!(
        h.containers.len(),
        1,
        "the last known state is kept, marked stale"
    );
    let refusal = m.check_actionable("a").unwrap_err();
    assert!(refusal.contains("STALE since 10:05:07"), "{refusal}");
    assert!(m.check_service_actionable("api").is_err());
    up(&mut m, "a", Some(t(10, 5, 7)));
    assert_eq!(m.host("a").unwrap().status.stale_since(), Some(t(10, 5, 7)));
    m.apply(snap(vec![]));
    assert_eq!(m.check_actionable("a"), Ok(()));
    assert!(
        m.host("a").unwrap().containers.is_empty(),
        "the re-list replaces everything"
    );
    assert!(
        m.check_actionable("b")
            .unwrap_err()
            .contains("unknown docker host")
    );
}

#[test]
fn changes_removals_and_stats_fold_in() {
    let mut m = DockerModel::new(&[host("a")]);
    up(&mut m, "a", None);
    m.apply(DockerMsg::Snapshot {
        host: "a".into(),
        at: t(10, 0, 0),
        containers: vec![container("1", RunState::Running)],
    });
    let stats = ContainerStats {
        cpu_percent: 1.5,
        mem_bytes: 1024,
        mem_limit: 0,
    };
    let sample = |id: &str| DockerMsg::Stats {
        host: "a".into(),
        id: id.into(),
        stats,
    };
    assert!(m.apply(sample("1")));
    assert!(!m.apply(sample("1")), "the same sample changes nothing");
    assert!(
        !m.apply(sample("9")),
        "stats of an unknown container are dropped"
    );
    let mut stopped = container("1", RunState::Exited);
    stopped.exit_code = Some(1);
    assert!(m.apply(DockerMsg::Changed {
        host: "a".into(),
        container: stopped,
    }));
    let h = m.host("a").unwrap();
    assert_eq!(h.containers["1"].state, RunState::Exited);
    assert!(h.stats.is_empty(), "a stopped container has no stats");
    assert!(m.apply(DockerMsg::Removed {
        host: "a".into(),
        id: "1".into(),
    }));
    assert!(!m.apply(DockerMsg::Removed {
        host: "a".into(),
        id: "1".into(),
    }));
    assert_eq!(m.containers_of("api").count(), 0);
}

#[test]
fn disconnects_and_reconnects_are_journaled_first_connects_are_not() {
    let down = DockerMsg::HostDown {
        host: "a".into(),
        at: t(10, 5, 7),
        reason: "gone".into(),
    };
    let Some(Event::DockerAction {
        action,
        detail,
        step,
    }) = down.journal_event()
    else {
        panic!("host-down is journaled");
    };
    assert_eq!((action.as_str(), step), ("host-down", None));
    assert_eq!(detail["host"], "a");
    assert_eq!(detail["at"], "2026-01-02T10:05:07.000Z");
    let first = DockerMsg::HostUp {
        host: "a".into(),
        at: t(10, 0, 0),
        api: "1.41".into(),
        down_since: None,
    };
    assert!(first.journal_event().is_none());
    let again = DockerMsg::HostUp {
        host: "a".into(),
        at: t(10, 6, 0),
        api: "1.41".into(),
        down_since: Some(t(10, 5, 7)),
    };
    let Some(Event::DockerAction { action, .. }) = again.journal_event() else {
        panic!("host-up after an outage is journaled");
    };
    assert_eq!(action, "host-up");
}

#[test]
fn hosts_default_and_resolve_tls_paths() {
    let hosts = hosts_for(Path::new("/rb"), &[]);
    assert_eq!(hosts.len(), 1);
    let mut h = host("remote");
    h.url = "tcp://127.0.0.1:2376".into();
    h.tls = Some(TlsFiles {
        ca: "certs/ca.pem".into(),
        cert: "/abs/cert.pem".into(),
        key: "certs/key.pem".into(),
    });
    let resolved = hosts_for(Path::new("/rb"), &[h]);
    let tls = resolved[0].tls.as_ref().unwrap();
    assert_eq!(
        (tls.ca.as_str(), tls.cert.as_str()),
        ("/rb/certs/ca.pem", "/abs/cert.pem")
    );
}

#[test]
fn bad_endpoints_are_clear_errors() {
    let mut h = host("x");
    h.url = "ftp://host".into();
    assert!(
        client(&h)
            .unwrap_err()
            .contains("unsupported Docker endpoint")
    );
    h.url = "https://127.0.0.1:2376".into();
    assert!(client(&h).unwrap_err().contains("needs `tls"));
    h.tls = Some(TlsFiles {
        ca: "/nonexistent/ca.pem".into(),
        cert: "/nonexistent/cert.pem".into(),
        key: "/nonexistent/key.pem".into(),
    });
    assert!(
        client(&h)
            .unwrap_err()
            .contains("tls ca file /nonexistent/ca.pem not found")
    );
    h.url = "unix:///nonexistent/docker.sock".into();
    assert!(client(&h).unwrap_err().contains("applies to tcp"));
}

#[test]
fn the_daemon_clock_becomes_an_events_since() {
    assert_eq!(
        watcher::daemon_time(Some("2026-11-25T06:34:06.185559975Z")).as_deref(),
        Some("1795588446.185559975")
    );
    assert_eq!(watcher::daemon_time(Some("garbage")), None);
}
