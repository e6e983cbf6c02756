//! A full frame at 200×60: 50 containers, 40 steps, 12 gates, and a log buffer of 1k, 10k and
//! 100k pushed lines (DESIGN.md §6: at most 1 ms median, not growing with the buffer); the
//! same frame with 500 containers (§11: one row per service, one service expanded). And
//! scrolling a 2,000-step checklist (issue 14: "scrolls without lag"): one arrow key through
//! `App::update` plus the frame it causes.

use std::hint::black_box;

use chrono::{DateTime, TimeZone, Utc};
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use flightdeck::release::{Event, Phase, ReleaseState, StepInfo};
use flightdeck::runbook::{DockerHost, Service, ServiceMatch};
use flightdeck::ui::render::draw;
use flightdeck::ui::{App, AppMsg, Focus, GateRow, Header, Keymap, Theme};
use flightdeck::watch::docker::{ContainerInfo, DockerModel, DockerMsg, Health, RunState};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

const W: u16 = 200;
const H: u16 = 60;

fn t(secs: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 25, 6, 0, 0)
        .single()
        .expect("a valid time")
        + chrono::Duration::seconds(secs)
}

fn step(i: usize) -> StepInfo {
    StepInfo {
        id: format!("step-{i}"),
        title: format!("Deploy service number {i} with docker-compose and wait for it"),
        kind: flightdeck::runbook::StepType::Run,
        evidence_required: false,
        approvers: None,
        reason_required: false,
        duration_ms: None,
        background: false,
        min_approvals: None,
        self_approval: false,
        approval_timeout_ms: None,
        wait_for: Vec::new(),
    }
}

fn container(i: usize) -> ContainerInfo {
    ContainerInfo {
        id: format!("{i:0>12x}"),
        name: format!("backend-{i}"),
        services: vec![format!("svc-{}", i % 5)],
        image: "registry.example/backend:1.4.2".into(),
        image_digest: "0123456789abcdef0123456789abcdef".into(),
        state: RunState::Running,
        exit_code: None,
        health: if i.is_multiple_of(7) {
            Health::Starting
        } else {
            Health::Healthy
        },
        started_at: Some(t(-3600)),
        finished_at: None,
        restart_count: (i % 3) as u64,
    }
}

/// One Docker host up with `containers` containers, and 5 services matched by compose label.
fn docker(containers: usize) -> (DockerModel, Vec<Service>) {
    let host = DockerHost {
        name: "local".into(),
        url: "unix:///var/run/docker.sock".into(),
        tls: None,
    };
    let mut model = DockerModel::new(std::slice::from_ref(&host));
    model.apply(DockerMsg::HostUp {
        host: "local".into(),
        at: t(0),
        api: "1.41".into(),
        down_since: None,
    });
    model.apply(DockerMsg::Snapshot {
        host: "local".into(),
        at: t(0),
        containers: (0..containers).map(container).collect(),
    });
    let services = (0..5)
        .map(|i| Service {
            name: format!("svc-{i}"),
            matcher: ServiceMatch::Label {
                key: "com.docker.compose.service".into(),
                value: Some(format!("svc-{i}")),
            },
            logs: false,
        })
        .collect();
    (model, services)
}

/// The cockpit with the first of `steps` steps running and `lines` lines of its output pushed.
fn app(steps: usize, lines: usize, containers: usize) -> App {
    let header = Header {
        name: "backend".into(),
        environment: "staging".into(),
        protected: false,
        version: "1.4.2".into(),
        previous: Some("v1.4.1".into()),
        lkg: Some("ga-1.4.1".into()),
        operator: "alice".into(),
        window_deadline: Some(t(7200)),
        observing: None,
        warning: None,
    };
    let (model, services) = docker(containers);
    let gates = (0..12)
        .map(|i| GateRow::pending(format!("gate-{i}"), flightdeck::runbook::GateType::Http))
        .collect();
    let mut app = App::new(header, ReleaseState::default(), Keymap::default())
        .with_gates(gates)
        .with_docker(model, services);
    let mut clock = 0;
    let mut send = |app: &mut App, msg| {
        clock += 1;
        app.update(msg, t(clock));
    };
    send(&mut app, AppMsg::Resize(W, H));
    send(
        &mut app,
        AppMsg::Journaled(
            Event::ReleaseStarted {
                release_id: "backend-1.4.2-20261125T060000Z".into(),
                name: "backend".into(),
                environment: "staging".into(),
                version: "1.4.2".into(),
                protected: false,
                runbook: "flightdeck.toml".into(),
                previous: Some("v1.4.1".into()),
                lkg: Some("ga-1.4.1".into()),
                drill: false,
                steps: (0..steps).map(step).collect(),
                rollback_steps: vec![step(99)],
                trust: None,
                runbook_sha256: None,
            },
            t(0),
        ),
    );
    send(
        &mut app,
        AppMsg::Journaled(
            Event::StepStarted {
                step: "step-0".into(),
                phase: Phase::Main,
                attempt: 1,
            },
            t(0),
        ),
    );
    // Pushed in batches of 1,000, as an executor would report them.
    let mut n = 0;
    while n < lines {
        let batch = (n..(n + 1000).min(lines))
            .map(|i| format!("2026-11-25T06:00:00Z INFO request {i} served in 12ms path=/api/v1/items status=200"))
            .collect();
        n += 1000;
        send(
            &mut app,
            AppMsg::Journaled(
                Event::Output {
                    phase: Phase::Main,
                    step: "step-0".into(),
                    stream: "stdout".into(),
                    lines: batch,
                },
                t(0),
            ),
        );
    }
    app
}

fn bench(c: &mut Criterion) {
    let theme = Theme::dark();
    let area = Rect::new(0, 0, W, H);
    let mut group = c.benchmark_group("render_200x60");
    for lines in [1_000, 10_000, 100_000] {
        let app = app(40, lines, 50);
        let mut buf = Buffer::empty(area);
        draw(&app, &theme, area, &mut buf);
        let screen = text_of(&buf);
        assert!(
            screen.contains(&format!("request {} served", lines - 1)),
            "the log pane shows the newest line"
        );
        assert!(screen.contains("svc-4"), "services shown");
        group.bench_with_input(BenchmarkId::from_parameter(lines), &app, |b, app| {
            b.iter(|| {
                buf.reset();
                draw(black_box(app), &theme, area, &mut buf);
            });
        });
    }
    group.finish();
    // 500 containers on five services: folded rows, then `svc-0` expanded into its 100.
    let mut app = app(40, 10_000, 500);
    let mut buf = Buffer::empty(area);
    draw(&app, &theme, area, &mut buf);
    assert!(text_of(&buf).contains("100/100"), "one row per service");
    c.bench_function("render_500_containers_200x60", |b| {
        b.iter(|| {
            buf.reset();
            draw(black_box(&app), &theme, area, &mut buf);
        });
    });
    while app.focus() != Focus::Services {
        app.update(key(KeyCode::Tab), t(9));
    }
    app.update(key(KeyCode::Right), t(10));
    draw(&app, &theme, area, &mut buf);
    assert!(text_of(&buf).contains("backend-"), "svc-0 expanded");
    c.bench_function("render_500_containers_expanded_200x60", |b| {
        b.iter(|| {
            buf.reset();
            draw(black_box(&app), &theme, area, &mut buf);
        });
    });
}

/// The buffer's symbols, row after row.
fn text_of(buf: &Buffer) -> String {
    buf.content()
        .iter()
        .map(ratatui::buffer::Cell::symbol)
        .collect()
}

fn key(code: KeyCode) -> AppMsg {
    AppMsg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

/// One arrow key in a 2,000-step checklist and the frame it causes; the keys go down 500
/// rows, then up 500, so the selection stays inside the list.
fn scroll(c: &mut Criterion) {
    let theme = Theme::dark();
    let area = Rect::new(0, 0, W, H);
    let mut app = app(2_000, 1_000, 50);
    let mut n = 0;
    while app.focus() != Focus::Checklist && n < 4 {
        app.update(key(KeyCode::Tab), t(100));
        n += 1;
    }
    assert_eq!(app.focus(), Focus::Checklist, "Tab reaches the checklist");
    let mut buf = Buffer::empty(area);
    for _ in 0..700 {
        app.update(key(KeyCode::Down), t(100));
    }
    draw(&app, &theme, area, &mut buf);
    let screen = text_of(&buf);
    assert!(
        screen.contains("number 700 ") || screen.contains("number 701 "),
        "700 arrow keys scroll the checklist to step 700"
    );
    let mut i = 0u64;
    c.bench_function("scroll_2000_steps_200x60", |b| {
        b.iter(|| {
            i += 1;
            let code = if (i / 500).is_multiple_of(2) {
                KeyCode::Down
            } else {
                KeyCode::Up
            };
            app.update(key(code), t(100));
            buf.reset();
            draw(black_box(&app), &theme, area, &mut buf);
        });
    });
}

criterion_group!(benches, bench, scroll);
criterion_main!(benches);
