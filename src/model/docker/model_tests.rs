//! Unit tests of the model: folding messages, going stale and live again, refusing actions
//! on stale state, and journaling disconnects and reconnects.

use chrono::{DateTime, TimeZone, Utc};

use super::*;
use crate::release::Event;
use crate::runbook::DockerHost;

fn t(h: u32, m: u32, s: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 2, h, m, s).unwrap()
}

pub(crate) fn host(name: &str) -> DockerHost {
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
fn a_host_never_reached_is_unreachable_with_the_last_reason() {
    let mut m = DockerModel::new(&[host("a")]);
    let down = |at, reason: &str| DockerMsg::HostDown {
        host: "a".into(),
        at,
        reason: reason.into(),
    };
    assert!(m.apply(down(t(10, 0, 1), "ssh: connection refused")));
    assert!(m.apply(down(t(10, 0, 3), "ssh: host key verification failed")));
    assert_eq!(
        m.host("a").unwrap().status,
        HostStatus::Unreachable {
            since: t(10, 0, 1),
            reason: "ssh: host key verification failed".into(),
        }
    );
    let refusal = m.check_actionable("a").unwrap_err();
    assert!(
        refusal.contains("is unreachable (ssh: host key verification failed)"),
        "{refusal}"
    );
    up(&mut m, "a", Some(t(10, 0, 1)));
    m.apply(DockerMsg::Snapshot {
        host: "a".into(),
        at: t(10, 0, 5),
        containers: vec![],
    });
    assert_eq!(m.check_actionable("a"), Ok(()));
    assert!(m.apply(down(t(10, 1, 0), "gone")));
    assert!(
        matches!(m.host("a").unwrap().status, HostStatus::Stale { .. }),
        "a host that was listed goes stale, not unreachable"
    );
}
