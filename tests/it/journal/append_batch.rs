//! `Writer::append_batch`: the same chain as single appends, all or nothing, and a head file
//! left behind by a whole batch (a crash between the fsync and the head rename) is accepted.

use flightdeck::journal::cli::verify_cmd_with;
use flightdeck::journal::head::Head;
use flightdeck::journal::{Hasher, Kind, Writer, read, verify};
use serde_json::json;

use super::support::{Fixture, ID, Tmpfs, entry};

#[test]
fn a_batch_writes_the_same_bytes_as_single_appends() {
    for hasher in [Hasher::plain(), Hasher::with_key("k")] {
        let (single, batched) = (Fixture::empty(), Fixture::empty());
        let mut w = Writer::create(&single.dir, ID, hasher.clone()).expect("create");
        let mut b = Writer::create(&batched.dir, ID, hasher.clone()).expect("create");
        let entries: Vec<_> = (0..5).map(entry).collect();
        let one = b.append_batch(&entries[..1]).expect("batch of one");
        let rest = b.append_batch(&entries[1..]).expect("batch of four");
        for e in &entries {
            w.append_at(e.at, &e.operator, &e.host, e.kind, None, e.data.clone())
                .expect("append");
        }
        assert_eq!(
            std::fs::read(&batched.path).expect("batched"),
            std::fs::read(&single.path).expect("single")
        );
        assert_eq!(
            std::fs::read(batched.dir.head_path(ID)).expect("head"),
            std::fs::read(single.dir.head_path(ID)).expect("head")
        );
        let written: Vec<_> = one.into_iter().chain(rest).collect();
        let outcome = read(&batched.path).expect("read");
        assert_eq!(outcome.records, written);
        assert_eq!(outcome.records[0].prev, hasher.genesis(ID));
        assert_eq!(
            outcome.records[4].prev,
            hasher.hash(outcome.lines[3].as_bytes())
        );
        assert_eq!((b.count(), b.last_hash()), (5, w.last_hash()));
        assert!(verify(&batched.path, &hasher).ok());
    }
}

#[test]
fn an_empty_batch_writes_nothing() {
    let fx = Fixture::with_records(2, &Hasher::plain());
    let (mut w, _) = Writer::open_existing(&fx.dir, ID, Hasher::plain()).expect("open");
    let before = std::fs::read(&fx.path).expect("read");
    assert!(w.append_batch(&[]).expect("empty batch").is_empty());
    assert_eq!(std::fs::read(&fx.path).expect("read"), before);
    assert_eq!(w.count(), 2);
}

#[test]
fn a_bad_entry_refuses_the_whole_batch() {
    let fx = Fixture::with_records(2, &Hasher::plain());
    let (mut w, _) = Writer::open_existing(&fx.dir, ID, Hasher::plain()).expect("open");
    let mut entries: Vec<_> = (0..3).map(entry).collect();
    entries[2].data = json!([1]);
    let err = w.append_batch(&entries).expect_err("not an object");
    assert!(err.to_string().contains("must be a JSON object"), "{err}");
    assert_eq!((w.count(), fx.lines().len()), (2, 2));
}

#[test]
fn a_failed_head_write_cuts_the_whole_batch_back() {
    let fx = Fixture::with_records(2, &Hasher::plain());
    let (mut w, _) = Writer::open_existing(&fx.dir, ID, Hasher::plain()).expect("open");
    let before = std::fs::read(&fx.path).expect("read");
    let blocker = fx.dir.journal_dir().join(format!("{ID}.head.tmp"));
    std::fs::create_dir(&blocker).expect("mkdir");
    let entries: Vec<_> = (0..4).map(entry).collect();
    let err = w.append_batch(&entries).expect_err("head fails");
    assert!(
        err.to_string()
            .contains("none of the 4 records was written"),
        "{err}"
    );
    assert_eq!(std::fs::read(&fx.path).expect("read"), before);
    assert_eq!(Head::read(&fx.dir.head_path(ID)).expect("head").count, 2);
    std::fs::remove_dir(&blocker).expect("rmdir");
    let records = w.append_batch(&entries).expect("append");
    assert_eq!(records[0].seq, 2);
    assert!(verify(&fx.path, &Hasher::plain()).ok());
}

#[test]
fn a_full_disk_leaves_nothing_of_the_batch() {
    let fx = Fixture::empty();
    let Some(_fs) = Tmpfs::mount(&fx.dir.root, "64k") else {
        return;
    };
    let mut w = Writer::create(&fx.dir, ID, Hasher::plain()).expect("create");
    w.append_batch(&[entry(0), entry(1)]).expect("small batch");
    let before = std::fs::read(&fx.path).expect("read");
    let big: Vec<_> = (0..8)
        .map(|i| {
            let mut e = entry(i);
            e.data = json!({ "pad": "x".repeat(10_000) });
            e
        })
        .collect();
    let err = w.append_batch(&big).expect_err("disk full");
    let text = format!("{err:#}");
    assert!(text.contains("No space left on device"), "{text}");
    assert_eq!(std::fs::read(&fx.path).expect("read"), before);
    assert_eq!(w.count(), 2);
    let report = verify(&fx.path, &Hasher::plain());
    assert!(report.ok() && report.torn_tail.is_none(), "{report:?}");
    assert_eq!(report.records, 2);
}

/// A journal of `before` records, then a batch of `batch` whose head rewrite "never happened".
fn head_left_behind(before: usize, batch: usize, hasher: &Hasher) -> Fixture {
    let fx = Fixture::with_records(before, hasher);
    let head_path = fx.dir.head_path(ID);
    let old_head = std::fs::read(&head_path).expect("head");
    let (mut w, _) = Writer::open_existing(&fx.dir, ID, hasher.clone()).expect("open");
    let entries: Vec<_> = (before..before + batch).map(entry).collect();
    w.append_batch(&entries).expect("batch");
    drop(w);
    std::fs::write(&head_path, old_head).expect("restore old head");
    fx
}

#[test]
fn head_behind_by_a_whole_batch_is_accepted_and_repaired() {
    for (before, hasher) in [
        (2, Hasher::plain()),
        (0, Hasher::plain()),
        (3, Hasher::with_key("k")),
    ] {
        let fx = head_left_behind(before, 50, &hasher);
        let report = verify(&fx.path, &hasher);
        assert!(report.ok(), "{before}: {report:?}");
        assert_eq!(report.records, before + 50);
        assert_eq!(read(&fx.path).expect("read").records.len(), before + 50);
        let (mut w, outcome) = Writer::open_existing(&fx.dir, ID, hasher.clone()).expect("open");
        assert_eq!(
            (outcome.records.len(), w.count()),
            (before + 50, before as u64 + 50)
        );
        let head = Head::read(&fx.dir.head_path(ID)).expect("head");
        assert_eq!(
            head,
            Head::new(before as u64 + 50, w.last_hash().to_owned())
        );
        let rec = w
            .append("a", "h", Kind::Note, None, json!({}))
            .expect("append");
        assert_eq!(rec.seq, before as u64 + 50);
        assert!(verify(&fx.path, &hasher).ok());
    }
}

#[test]
fn journal_verify_says_ok_for_a_head_behind_by_a_batch() {
    let fx = head_left_behind(2, 30, &Hasher::plain());
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = verify_cmd_with(&fx.dir, Some(ID), &Hasher::plain(), &mut out, &mut err);
    assert_eq!(code.expect("verify"), 0);
    let (out, err) = (String::from_utf8_lossy(&out), String::from_utf8_lossy(&err));
    assert!(
        out.starts_with(&format!("ok: {ID} — 32 records, final hash ")),
        "{out}"
    );
    assert!(err.is_empty(), "{err}");
}

#[test]
fn head_behind_with_a_torn_tail_after_the_batch_is_accepted() {
    let fx = head_left_behind(2, 10, &Hasher::plain());
    fx.append_raw(br#"{"seq":12,"ts":"2026-11"#);
    let report = verify(&fx.path, &Hasher::plain());
    assert!(report.ok() && report.torn_tail.is_some(), "{report:?}");
    let (w, outcome) = Writer::open_existing(&fx.dir, ID, Hasher::plain()).expect("open");
    assert!(outcome.torn_saved.is_some());
    assert_eq!(w.count(), 12);
}

#[test]
fn an_edited_record_after_a_stale_head_is_still_named() {
    let fx = head_left_behind(2, 10, &Hasher::plain());
    fx.tamper(|l| l[5] = l[5].replace(r#""i":5"#, r#""i":55"#));
    let report = verify(&fx.path, &Hasher::plain());
    let lines: Vec<_> = report.problems.iter().map(|p| p.line).collect();
    assert_eq!(lines, [6], "{report:?}");
    assert!(report.problems[0].message.contains("edited"));
    let err = Writer::open_existing(&fx.dir, ID, Hasher::plain()).expect_err("tampered");
    assert!(err.to_string().contains("fails verification"), "{err}");
}

#[test]
fn a_head_naming_no_record_of_the_journal_is_stale() {
    let fx = Fixture::with_records(12, &Hasher::plain());
    let head_path = fx.dir.head_path(ID);
    for bogus in [Head::new(2, "0".repeat(64)), Head::new(0, "0".repeat(64))] {
        std::fs::write(&head_path, serde_json::to_vec(&bogus).expect("json")).expect("head");
        let report = verify(&fx.path, &Hasher::plain());
        assert_eq!(report.problems.len(), 1, "{report:?}");
        assert_eq!(report.problems[0].line, 12);
        assert_eq!(
            report.problems[0].message,
            format!(
                "the head file says {} records but the journal has more; the head file is stale or was edited",
                bogus.count
            )
        );
        assert!(Writer::open_existing(&fx.dir, ID, Hasher::plain()).is_err());
    }
}
