//! Snapshots of the services pane (plain text, fixed times) and the models they render,
//! built the way the UI builds them: by folding `DockerMsg`s.

use chrono::{DateTime, TimeZone, Utc};
use flightdeck::runbook::{DockerHost, Service, ServiceMatch};
use flightdeck::ui::panes::services::{
    ServiceStyles, services_line_count, services_lines, to_plain,
};
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

/// The pane as plain text, one string per line. It also checks that the layout's count of
/// the pane's rows (`services_line_count`) agrees with the lines.
pub fn text(m: &DockerModel, services: &[Service], selected: Option<usize>, width: u16) -> String {
    let lines = services_lines(
        m,
        services,
        selected,
        now(),
        width,
        &ServiceStyles::default(),
    );
    assert_eq!(
        services_line_count(m, services, &[], selected),
        lines.len(),
        "the layout's row count"
    );
    to_plain(&lines).join("\n")
}

#[test]
fn pane_snapshots() {
    let svcs = services();
    insta::assert_snapshot!("empty", text(&live(vec![("local", vec![])]), &[], None, 80));

    let mut healthy = live(vec![(
        "local",
        vec![container("backend-1", RunState::Running, Health::Healthy)],
    )]);
    stats(&mut healthy, "local", "backend-1");
    insta::assert_snapshot!("healthy", text(&healthy, &svcs, Some(0), 110));

    let mut crashed = container("backend-2", RunState::Exited, Health::None);
    (
        crashed.exit_code,
        crashed.finished_at,
        crashed.restart_count,
    ) = (Some(1), Some(at(10, 25, 0)), 3);
    let mut sick = container("backend-1", RunState::Running, Health::Unhealthy);
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

    let mut starting = container("backend-1", RunState::Running, Health::Starting);
    starting.started_at = Some(at(10, 29, 56));
    let restarting = container("backend-3", RunState::Restarting, Health::None);
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
        vec![container("backend-1", RunState::Running, Health::Healthy)],
    )]);
    down(&mut stale, "local", at(10, 28, 51));
    insta::assert_snapshot!("stale", text(&stale, &svcs, Some(0), 110));

    let mut worker = container("worker-1", RunState::Running, Health::None);
    worker.services = vec!["worker".into()];
    let two = live(vec![
        (
            "local",
            vec![
                container("backend-1", RunState::Running, Health::Healthy),
                worker,
            ],
        ),
        (
            "remote",
            vec![container("backend-2", RunState::Paused, Health::Healthy)],
        ),
    ]);
    insta::assert_snapshot!("two_hosts", text(&two, &svcs, Some(1), 110));
    insta::assert_snapshot!("narrow", text(&two, &svcs, Some(1), 40));
}

#[test]
fn pane_shows_retained_containers_and_the_release_target() {
    use flightdeck::ui::panes::services::services_lines_with;
    let svcs = services();
    let current = container("backend-1", RunState::Running, Health::Healthy);
    let mut older = container("backend-1.prev-1.4.0", RunState::Exited, Health::None);
    (older.image, older.exit_code, older.finished_at) = (
        "registry.example/backend:1.4.0".into(),
        Some(0),
        Some(at(9, 0, 0)),
    );
    let mut newer = container("backend-1.prev-1.4.1", RunState::Exited, Health::None);
    (newer.image, newer.exit_code, newer.finished_at) = (
        "registry.example/backend:1.4.1".into(),
        Some(0),
        Some(at(10, 0, 0)),
    );
    let m = live(vec![("local", vec![current, older, newer])]);
    let text = |target: &str| {
        let targets = [("backend".to_owned(), target.to_owned())];
        let lines = services_lines_with(
            &m,
            &svcs,
            &targets,
            None,
            now(),
            110,
            &ServiceStyles::default(),
        );
        assert_eq!(services_line_count(&m, &svcs, &targets, None), lines.len());
        to_plain(&lines).join("\n")
    };
    insta::assert_snapshot!("retained_pending", text("registry.example/backend:1.5.0"));
    insta::assert_snapshot!("retained_done", text("registry.example/backend:1.4.2"));
}

/// The cockpit's whole screen as text.
fn screen(app: &flightdeck::ui::App, w: u16, h: u16) -> String {
    let area = ratatui::layout::Rect::new(0, 0, w, h);
    let mut buf = ratatui::buffer::Buffer::empty(area);
    flightdeck::ui::render::draw(app, &flightdeck::ui::Theme::mono(), area, &mut buf);
    (0..h)
        .map(|y| (0..w).map(|x| buf[(x, y)].symbol()).collect::<String>())
        .collect::<Vec<_>>()
        .join("\n")
}

fn header() -> flightdeck::ui::Header {
    flightdeck::ui::Header {
        name: "backend".into(),
        environment: "staging".into(),
        protected: false,
        version: "1.4.2".into(),
        previous: None,
        lkg: None,
        operator: "alice".into(),
        window_deadline: None,
        observing: None,
        warning: None,
    }
}

fn key(c: char) -> flightdeck::ui::AppMsg {
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    flightdeck::ui::AppMsg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}

#[test]
fn angle_brackets_move_the_selected_service_and_its_stats() {
    use flightdeck::ui::{App, AppEffect, AppMsg, Keymap};
    let backend = container("backend-1", RunState::Running, Health::Healthy);
    let mut worker = container("worker-1", RunState::Running, Health::None);
    worker.id = "id-worker-1".to_owned();
    worker.services = vec!["worker".to_owned()];
    let mut model = live(vec![("local", vec![backend, worker])]);
    stats(&mut model, "local", "backend-1");
    let header = header();
    let mut app = App::new(
        header,
        flightdeck::release::ReleaseState::default(),
        Keymap::default(),
    )
    .with_docker(model, services());
    app.update(AppMsg::Resize(160, 48), now());
    assert_eq!(app.selected_service(), Some("backend"));
    let before = screen(&app, 160, 48);
    assert!(before.contains("▸backend"), "{before}");
    assert!(
        before.contains("cpu 2.3%"),
        "the selected service's stats show:\n{before}"
    );

    // `>`: the worker is selected, the old stats are gone, and the cockpit is told to move
    // the stats streams.
    let effects = app.update(key('>'), now());
    assert_eq!(effects, vec![AppEffect::SelectService("worker".into())]);
    assert_eq!(app.selected_service(), Some("worker"));
    assert!(
        app.docker().unwrap().hosts[0].stats.is_empty(),
        "stats of the old selection are dropped"
    );
    let after = screen(&app, 160, 48);
    assert!(after.contains("▸worker"), "{after}");
    assert!(!after.contains("▸backend"), "{after}");
    assert!(after.contains("service `worker` selected"), "{after}");
    assert!(!after.contains("cpu 2.3%"), "{after}");

    // It wraps both ways.
    let effects = app.update(key('>'), now());
    assert_eq!(effects, vec![AppEffect::SelectService("backend".into())]);
    let effects = app.update(key('<'), now());
    assert_eq!(effects, vec![AppEffect::SelectService("worker".into())]);
}

#[test]
fn with_one_service_the_angle_brackets_say_why_nothing_moves() {
    use flightdeck::ui::{App, AppMsg, Keymap};
    let header = header();
    let one = vec![services().remove(0)];
    let model = live(vec![(
        "local",
        vec![container("backend-1", RunState::Running, Health::Healthy)],
    )]);
    let mut app = App::new(
        header.clone(),
        flightdeck::release::ReleaseState::default(),
        Keymap::default(),
    )
    .with_docker(model, one);
    app.update(AppMsg::Resize(120, 30), now());
    assert!(app.update(key('>'), now()).is_empty());
    let s = screen(&app, 120, 30);
    assert!(s.contains("only one service"), "{s}");
    let mut bare = App::new(
        header,
        flightdeck::release::ReleaseState::default(),
        Keymap::default(),
    );
    bare.update(AppMsg::Resize(120, 30), now());
    assert!(bare.update(key('<'), now()).is_empty());
    let s = screen(&bare, 120, 30);
    assert!(s.contains("no services in this runbook"), "{s}");
}
