//! Journal append cost: one fsynced small record, one fsynced 64 KiB output batch, and 100
//! small records as one group-committed batch against 100 single appends.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use flightdeck::journal::batch::{MAX_BATCH_BYTES, output_data};
use flightdeck::journal::{Entry, Hasher, Kind, StateDir, Writer};
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

/// 100 small records: one `append_batch` (one write, one fsync, one head rewrite) against 100
/// `append`s (each with its own fsync and head rewrite).
fn batch(c: &mut Criterion) {
    let tmp = tempfile::tempdir().expect("temp dir");
    let mut group = c.benchmark_group("journal_batch");
    group.sample_size(20);
    group.throughput(Throughput::Elements(100));
    let entries: Vec<Entry> = (0..100)
        .map(|i| Entry {
            at: chrono::Utc::now(),
            operator: "alice".into(),
            host: "host1".into(),
            kind: Kind::GateResult,
            step: Some("deploy".into()),
            data: json!({"ok": true, "i": i}),
        })
        .collect();

    let mut batched = writer(&tmp, "batched-1-20261125T061000Z");
    group.bench_function("batch_of_100", |b| {
        b.iter(|| batched.append_batch(black_box(&entries)).expect("batch"));
    });
    let mut single = writer(&tmp, "single-1-20261125T061000Z");
    group.bench_function("100_single_appends", |b| {
        b.iter(|| {
            for e in black_box(&entries) {
                single
                    .append_at(
                        e.at,
                        &e.operator,
                        &e.host,
                        e.kind,
                        e.step.as_deref(),
                        e.data.clone(),
                    )
                    .expect("append");
            }
        });
    });
    group.finish();
}

criterion_group!(benches, append, batch);
criterion_main!(benches);
