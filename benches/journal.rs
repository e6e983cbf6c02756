//! Journal append cost: one fsynced small record, and one fsynced 64 KiB output batch.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use flightdeck::journal::batch::{MAX_BATCH_BYTES, output_data};
use flightdeck::journal::{Hasher, Kind, StateDir, Writer};
use serde_json::json;

fn writer(tmp: &tempfile::TempDir, id: &str) -> Writer {
    let dir = StateDir::new(tmp.path().join(".flightdeck"));
    Writer::create(&dir, id, Hasher::plain()).expect("create journal")
}

fn append(c: &mut Criterion) {
    let tmp = tempfile::tempdir().expect("temp dir");
    let mut group = c.benchmark_group("journal_append");

    let mut small = writer(&tmp, "small-1-20261125T061000Z");
    group.throughput(Throughput::Elements(1));
    group.bench_function("small_record_fsync", |b| {
        b.iter(|| {
            small
                .append(
                    "alice",
                    "host1",
                    Kind::GateResult,
                    Some("deploy"),
                    json!({"ok": true}),
                )
                .expect("append")
        });
    });

    // 64 KiB of 100-byte lines, as the batcher would emit under a chatty step.
    let lines: Vec<String> = (0..MAX_BATCH_BYTES / 101)
        .map(|i| format!("{i:0>100}"))
        .collect();
    let mut big = writer(&tmp, "big-1-20261125T061000Z");
    group.throughput(Throughput::Bytes(MAX_BATCH_BYTES as u64));
    group.bench_function("output_batch_64k_fsync", |b| {
        b.iter(|| {
            big.append(
                "alice",
                "host1",
                Kind::Output,
                Some("deploy"),
                output_data("stdout", black_box(&lines)),
            )
            .expect("append")
        });
    });
    group.finish();
}

criterion_group!(benches, append);
criterion_main!(benches);
