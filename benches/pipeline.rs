//! The log pipeline per line: decode a Docker frame (timestamp, partial-line assembly), mask,
//! parse ANSI, insert into the bounded ring; and the App's side of it: a batch of a container's
//! lines through `App::update` (its own source and the service's merged `SERVICE/*` source).
//! Reported in lines per second.

use std::hint::black_box;

use chrono::{DateTime, TimeZone, Utc};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use flightdeck::logs::{LogLine, Masker};
use flightdeck::model::logs::LogMsg;
use flightdeck::release::ReleaseState;
use flightdeck::ui::logview::LogView;
use flightdeck::ui::{App, AppMsg, Header, Keymap};
use flightdeck::watch::logs_frame::Assembler;

const LINES: usize = 10_000;

fn frames(colour: bool) -> Vec<Vec<u8>> {
    (0..LINES)
        .map(|i| {
            let body = if colour {
                format!("\x1b[32mINFO\x1b[0m GET /api/items/{i} 200 3ms user=alice trace={i:016x}")
            } else {
                format!("INFO GET /api/items/{i} 200 3ms user=alice trace={i:016x} padding padding")
            };
            format!("2026-11-25T07:00:00.{i:09}Z {body}\n").into_bytes()
        })
        .collect()
}

fn pipeline(c: &mut Criterion) {
    let secrets = Masker::new(["s3cr3t-value-xyz", "another-secret-1234"]);
    let none = Masker::default();
    let mut group = c.benchmark_group("log_pipeline");
    group.throughput(Throughput::Elements(LINES as u64));
    for (name, colour, masker) in [
        ("plain", false, &secrets),
        ("ansi", true, &secrets),
        ("plain_no_secrets", false, &none),
    ] {
        let input = frames(colour);
        let mut view = LogView::new();
        group.bench_function(name, |b| {
            b.iter(|| {
                let mut asm = Assembler::default();
                let mut raw = Vec::with_capacity(LINES);
                for f in &input {
                    asm.frame(f, &mut raw);
                }
                for l in raw.drain(..) {
                    view.push_line(LogLine::from_bytes(l.bytes, l.cut, l.ts, masker));
                }
                black_box(view.len())
            });
        });
    }
    // The steps apart: the timestamp and line assembly, and the line itself.
    let input = frames(false);
    group.bench_function("frames_only", |b| {
        b.iter(|| {
            let mut asm = Assembler::default();
            let mut raw = Vec::with_capacity(LINES);
            for f in &input {
                asm.frame(f, &mut raw);
            }
            black_box(raw.len())
        });
    });
    let bodies: Vec<Vec<u8>> = input.iter().map(|f| f[31..].to_vec()).collect();
    group.bench_function("line_no_secrets", |b| {
        b.iter(|| {
            for body in &bodies {
                black_box(LogLine::from_bytes(body.clone(), 0, None, &none));
            }
        });
    });
    group.finish();
}

fn t(ms: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 25, 7, 0, 0)
        .single()
        .expect("a valid time")
        + chrono::Duration::milliseconds(ms)
}

/// Batches of 200 lines of one container through `App::update`, as the cockpit gets them in
/// a storm (every 25 ms), with the merged source's reorder window releasing them.
fn app_batches(c: &mut Criterion) {
    let header = Header {
        name: "storm".into(),
        environment: "bench".into(),
        protected: false,
        version: "1".into(),
        previous: None,
        lkg: None,
        operator: "bench".into(),
        window_deadline: None,
        observing: None,
        warning: None,
    };
    let mut app = App::new(header, ReleaseState::default(), Keymap::default())
        .with_services(vec![("storm".into(), true)]);
    app.update(AppMsg::Resize(200, 50), t(0));
    let masker = Masker::default();
    let batch: Vec<LogLine> = frames(false)
        .into_iter()
        .take(200)
        .map(|f| {
            let mut raw = Vec::new();
            Assembler::default().frame(&f, &mut raw);
            let l = raw.remove(0);
            LogLine::from_bytes(l.bytes, l.cut, l.ts, &masker)
        })
        .collect();
    let mut group = c.benchmark_group("app_log");
    group.throughput(Throughput::Elements(batch.len() as u64));
    let mut clock = 0;
    group.bench_function("batch_of_200", |b| {
        b.iter(|| {
            clock += 25;
            let msg = LogMsg {
                source: "storm/fdbar-storm".into(),
                lines: batch.clone(),
            };
            black_box(app.update(AppMsg::Log(msg), t(clock)))
        });
    });
    group.finish();
}

criterion_group!(benches, pipeline, app_batches);
criterion_main!(benches);
