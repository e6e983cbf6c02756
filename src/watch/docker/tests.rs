//! Unit tests of the pure parts: conversions of real API objects (fixtures captured from
//! Debian's dockerd 20.10, API 1.41), matchers, endpoints. The model's are in `model_tests`.

use std::collections::HashMap;
use std::path::Path;

use bollard::models::{ContainerInspectResponse, ContainerStatsResponse, EventMessage};

use super::*;
use crate::model::docker::model_tests::host;
use crate::runbook::{Service, ServiceMatch, TlsFiles};

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

#[test]
fn a_listing_gives_a_provisional_view_from_the_status_line() {
    let list: Vec<bollard::models::ContainerSummary> = fixture("list.json");
    let m = api_matchers();
    let infos: Vec<_> = list.iter().filter_map(|c| summary_info(c, &m)).collect();
    let by = |n: &str| infos.iter().find(|i| i.name == n).unwrap();
    let up = by("fdfixture-api-1");
    assert_eq!(up.services, ["api"]);
    assert_eq!(up.state, RunState::Running);
    assert_eq!(up.health, Health::Healthy, "from `Up 4 seconds (healthy)`");
    assert_eq!(up.image, "flightdeck-test/httpd:healthy");
    assert_eq!(up.exit_code, None);
    let gone = by("fdfixture-api-2");
    assert_eq!(gone.state, RunState::Exited);
    assert_eq!(gone.exit_code, Some(3), "from `Exited (3) 4 seconds ago`");
    assert_eq!(
        gone.health,
        Health::None,
        "a stopped container shows no health"
    );
    assert!(!gone.image_digest.starts_with("sha256:"));
    let other = Matchers::new(&[svc("web", label("app", Some("web")))]).unwrap();
    assert!(list.iter().all(|c| summary_info(c, &other).is_none()));
}
