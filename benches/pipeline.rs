//! The log pipeline per line: decode a Docker frame (timestamp, partial-line assembly), mask,
//! parse ANSI, insert into the bounded ring. Reported in lines per second.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use flightdeck::logs::{LogLine, Masker};
use flightdeck::ui::logview::LogView;
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
    let masker = Masker::new(["s3cr3t-value-xyz", "another-secret-1234"]);
    let mut group = c.benchmark_group("log_pipeline");
    group.throughput(Throughput::Elements(LINES as u64));
    for (name, colour) in [("plain", false), ("ansi", true)] {
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
                    view.push_line(LogLine::from_parts(&l.bytes, l.cut, l.ts, &masker));
                }
                black_box(view.len())
            });
        });
    }
    group.finish();
}

criterion_group!(benches, pipeline);
criterion_main!(benches);
