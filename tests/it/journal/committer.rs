//! `Committer`: group commit on the `journal` thread, acks in submission order, failures refuse
//! everything after, `close` hands the writer back once everything is durable.

use flightdeck::journal::committer::MAX_BATCH_ENTRIES;
use flightdeck::journal::{Ack, Committer, Hasher, Record, Writer, read, verify};
use tokio::sync::mpsc::{UnboundedReceiver, unbounded_channel};

use super::support::{Fixture, ID, Tmpfs, entry};

fn spawn(fx: &Fixture) -> (Committer, UnboundedReceiver<Ack>) {
    let writer = Writer::create(&fx.dir, ID, Hasher::plain()).expect("create");
    let (tx, rx) = unbounded_channel();
    (Committer::spawn(writer, tx), rx)
}

fn all_acks(rx: &mut UnboundedReceiver<Ack>) -> Vec<Ack> {
    std::iter::from_fn(|| rx.try_recv().ok()).collect()
}

/// The records of `Durable` acks, checking each ack continues the previous one.
fn durable_records(acks: &[Ack]) -> Vec<Record> {
    let mut records: Vec<Record> = Vec::new();
    for ack in acks {
        let Ack::Durable {
            upto,
            records: batch,
        } = ack
        else {
            panic!("not durable: {ack:?}");
        };
        assert!(!batch.is_empty(), "{ack:?}");
        records.extend(batch.iter().cloned());
        assert_eq!(*upto, records.len() as u64, "upto is the last token so far");
    }
    records
}

#[test]
fn a_tight_loop_of_submits_shares_batches_and_acks_in_order() {
    let fx = Fixture::empty();
    let (c, mut rx) = spawn(&fx);
    assert_eq!((c.release_id(), c.path()), (ID, fx.path.as_path()));
    assert_eq!(c.state_dir(), &fx.dir);
    let tokens: Vec<u64> = (0..500).map(|i| c.submit(entry(i))).collect();
    assert_eq!(tokens, (1..=500).collect::<Vec<_>>());
    let w = c.close().expect("close");
    assert_eq!(w.count(), 500);
    let acks = all_acks(&mut rx);
    let records = durable_records(&acks);
    assert!(
        acks.len() < 500,
        "500 entries went into {} batches: no group commit",
        acks.len()
    );
    for (i, rec) in records.iter().enumerate() {
        assert_eq!((rec.seq, &rec.data["i"]), (i as u64, &serde_json::json!(i)));
    }
    assert_eq!(read(&fx.path).expect("read").records, records);
    let report = verify(&fx.path, &Hasher::plain());
    assert!(report.ok(), "{report:?}");
    assert_eq!(report.records, 500);
}

#[test]
fn a_batch_holds_at_most_max_batch_entries() {
    let fx = Fixture::empty();
    let (c, mut rx) = spawn(&fx);
    for i in 0..2_500 {
        c.submit(entry(i));
    }
    c.close().expect("close");
    let acks = all_acks(&mut rx);
    assert_eq!(durable_records(&acks).len(), 2_500);
    assert!(acks.len() >= 3, "{} batches", acks.len());
    for ack in &acks {
        let Ack::Durable { records, .. } = ack else {
            unreachable!()
        };
        assert!(records.len() <= MAX_BATCH_ENTRIES, "{}", records.len());
    }
}

#[test]
fn the_batch_counter_counts_durable_acks() {
    let fx = Fixture::empty();
    let (c, mut rx) = spawn(&fx);
    for i in 0..3 {
        c.submit(entry(i));
        let ack = rx.blocking_recv().expect("ack");
        assert!(
            matches!(ack, Ack::Durable { upto, .. } if upto == i as u64 + 1),
            "{ack:?}"
        );
        assert_eq!(c.batches(), i as u64 + 1);
    }
    c.close().expect("close");
}

#[test]
fn close_returns_after_everything_queued_is_durable() {
    let fx = Fixture::empty();
    let (c, rx) = spawn(&fx);
    for i in 0..200 {
        c.submit(entry(i));
    }
    drop(rx); // nobody listens: the journal is written all the same
    let mut w = c.close().expect("close");
    assert_eq!(w.count(), 200);
    assert_eq!(read(&fx.path).expect("read").records.len(), 200);
    // The writer goes on synchronously.
    let rec = w.append_batch(&[entry(200)]).expect("append").remove(0);
    assert_eq!(rec.seq, 200);
    assert!(verify(&fx.path, &Hasher::plain()).ok());
}

#[test]
fn the_thread_is_named_journal() {
    let fx = Fixture::empty();
    let (c, _rx) = spawn(&fx);
    // A new thread names itself once it runs: poll for a while.
    let names = || -> Vec<String> {
        std::fs::read_dir("/proc/self/task")
            .expect("tasks")
            .filter_map(|t| std::fs::read_to_string(t.ok()?.path().join("comm")).ok())
            .map(|n| n.trim().to_owned())
            .collect()
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while !names().iter().any(|n| n == "journal") {
        assert!(std::time::Instant::now() < deadline, "{:?}", names());
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    c.close().expect("close");
}

#[tokio::test(flavor = "current_thread")]
async fn acks_reach_a_one_thread_runtime() {
    let fx = Fixture::empty();
    let (c, mut rx) = spawn(&fx);
    let mut got = Vec::new();
    for i in 0..20 {
        c.submit(entry(i));
    }
    while got.len() < 20 {
        match rx.recv().await.expect("ack") {
            Ack::Durable { records, .. } => got.extend(records),
            ack @ Ack::Failed { .. } => panic!("{ack:?}"),
        }
    }
    assert_eq!(got.last().map(|r| r.seq), Some(19));
    c.close().expect("close");
}

/// A failed head write (a directory where its temp file goes) fails the batch; later submits
/// are refused with the same error; `close` returns it; the journal holds what was durable.
#[test]
fn a_failed_batch_refuses_everything_after() {
    let fx = Fixture::empty();
    let (c, mut rx) = spawn(&fx);
    c.submit(entry(0));
    c.submit(entry(1));
    let mut acks = Vec::new();
    while durable_records(&acks).len() < 2 {
        acks.push(rx.blocking_recv().expect("ack"));
    }
    let durable = durable_records(&acks);
    let blocker = fx.dir.journal_dir().join(format!("{ID}.head.tmp"));
    std::fs::create_dir(&blocker).expect("mkdir");
    assert_eq!(c.submit(entry(2)), 3);
    let Some(Ack::Failed { first, error }) = rx.blocking_recv() else {
        panic!("the batch fails");
    };
    assert_eq!(first, 3);
    assert!(error.contains("head file could not be updated"), "{error}");
    std::fs::remove_dir(&blocker).expect("rmdir"); // the disk is fine again; still refused
    assert_eq!(c.submit(entry(3)), 4);
    assert_eq!(
        rx.blocking_recv(),
        Some(Ack::Failed {
            first: 4,
            error: error.clone()
        })
    );
    let err = c.close().expect_err("failed");
    assert_eq!(format!("{err:#}"), error);
    assert_eq!(read(&fx.path).expect("read").records, durable);
    assert!(verify(&fx.path, &Hasher::plain()).ok());
}

#[test]
fn a_full_disk_fails_with_nothing_partial_in_the_journal() {
    let fx = Fixture::empty();
    let Some(_fs) = Tmpfs::mount(&fx.dir.root, "64k") else {
        return;
    };
    let (c, mut rx) = spawn(&fx);
    for i in 0..3 {
        c.submit(entry(i));
    }
    let mut acks = Vec::new();
    while durable_records(&acks).len() < 3 {
        acks.push(rx.blocking_recv().expect("ack"));
    }
    // 20 entries of 10 KB: they cannot all fit.
    for i in 3..23 {
        let mut e = entry(i);
        e.data = serde_json::json!({ "i": i, "pad": "x".repeat(10_000) });
        c.submit(e);
    }
    let err = c.close().expect_err("disk full");
    acks.extend(all_acks(&mut rx));
    let (durable, failed) = acks.split_at(
        acks.iter()
            .take_while(|a| matches!(a, Ack::Durable { .. }))
            .count(),
    );
    let records = durable_records(durable);
    let Some(Ack::Failed { first, error }) = failed.first() else {
        panic!("no failure: {acks:?}");
    };
    assert!(error.contains("No space left on device"), "{error}");
    assert_eq!(format!("{err:#}"), *error);
    assert_eq!(
        *first,
        records.len() as u64 + 1,
        "nothing from `first` on is durable"
    );
    assert!(records.len() >= 3, "the small entries fit: {acks:?}");
    for ack in &failed[1..] {
        assert!(
            matches!(ack, Ack::Failed { error: e, .. } if e == error),
            "{ack:?}"
        );
    }
    let report = verify(&fx.path, &Hasher::plain());
    assert!(report.ok() && report.torn_tail.is_none(), "{report:?}");
    assert_eq!(read(&fx.path).expect("read").records, records);
}
