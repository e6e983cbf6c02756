//! `Writer` + `read`: round trip, file modes, the head file, resume after a torn write.

use flightdeck::journal::head::Head;
use flightdeck::journal::{Hasher, Kind, StateDir, Writer, read, verify};
use serde_json::json;

use super::support::{Fixture, ID, mode};

#[test]
fn append_and_read_round_trip() {
    let fx = Fixture::empty();
    let hasher = Hasher::plain();
    let mut w = Writer::create(&fx.dir, ID, hasher.clone()).expect("create");
    assert_eq!((w.count(), w.last_hash()), (0, hasher.genesis(ID).as_str()));
    let mut written = vec![
        w.append(
            "alice",
            "host1",
            Kind::ReleaseStarted,
            None,
            json!({"version": "1.2.3"}),
        )
        .expect("append"),
        w.append(
            "alice",
            "host1",
            Kind::StepStarted,
            Some("deploy"),
            json!({}),
        )
        .expect("append"),
    ];
    written.push(
        w.append(
            "bob",
            "host2",
            Kind::Output,
            Some("deploy"),
            json!({"lines": ["a", "b"]}),
        )
        .expect("append"),
    );
    assert_eq!(w.count(), 3);
    assert_eq!(w.path(), fx.path);

    let outcome = read(&fx.path).expect("read");
    assert_eq!(outcome.records, written);
    assert_eq!(outcome.lines.len(), 3);
    assert_eq!(outcome.torn_tail, None);
    assert_eq!(outcome.records[0].prev, hasher.genesis(ID));
    for (i, rec) in outcome.records.iter().enumerate() {
        assert_eq!(rec.seq, i as u64);
        assert_eq!(rec.ts.len(), "2026-11-25T06:10:00.123Z".len(), "{}", rec.ts);
        assert!(rec.ts.ends_with('Z') && rec.ts.as_bytes()[19] == b'.');
        if i > 0 {
            assert_eq!(rec.prev, hasher.hash(outcome.lines[i - 1].as_bytes()));
        }
    }
    assert!(outcome.lines[0].contains(r#""kind":"release-started","step":null"#));
    assert_eq!(w.last_hash(), hasher.hash(outcome.lines[2].as_bytes()));

    let head = Head::read(&fx.dir.head_path(ID)).expect("head");
    assert_eq!(
        head,
        Head {
            count: 3,
            last_hash: w.last_hash().to_owned(),
            last_seq: Some(2)
        }
    );
}

#[test]
fn files_are_private() {
    let fx = Fixture::with_records(1, &Hasher::plain());
    assert_eq!(mode(&fx.dir.root), 0o700);
    assert_eq!(mode(&fx.dir.journal_dir()), 0o700);
    assert_eq!(mode(&fx.path), 0o600);
    assert_eq!(mode(&fx.dir.head_path(ID)), 0o600);
}

#[test]
fn shared_group_makes_files_group_writable() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let gid = nix::unistd::getgid();
    let group = nix::unistd::Group::from_gid(gid)
        .expect("lookup")
        .expect("own group");
    let dir = StateDir {
        root: tmp.path().join("s"),
        shared_group: Some(group.name),
    };
    let mut w = Writer::create(&dir, ID, Hasher::plain()).expect("create");
    w.append("a", "h", Kind::Note, None, json!({}))
        .expect("append");
    assert_eq!(mode(&dir.root), 0o770);
    assert_eq!(mode(&dir.journal_path(ID)), 0o660);
    assert_eq!(mode(&dir.head_path(ID)), 0o660);
}

#[test]
fn unknown_group_is_an_error_naming_it() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = StateDir {
        root: tmp.path().join("s"),
        shared_group: Some("no-such-grp-x".into()),
    };
    let err = dir.ensure().expect_err("unknown group");
    assert!(err.to_string().contains("no-such-grp-x"), "{err}");
}

#[test]
fn create_refuses_an_existing_journal() {
    let fx = Fixture::with_records(1, &Hasher::plain());
    let err = Writer::create(&fx.dir, ID, Hasher::plain()).expect_err("exists");
    assert!(err.to_string().contains("already exists"), "{err}");
    assert_eq!(read(&fx.path).expect("read").records.len(), 1);
}

#[test]
fn data_must_be_an_object() {
    let fx = Fixture::empty();
    let mut w = Writer::create(&fx.dir, ID, Hasher::plain()).expect("create");
    assert!(w.append("a", "h", Kind::Note, None, json!([1])).is_err());
    assert_eq!(w.count(), 0);
}

#[test]
fn failed_append_leaves_the_chain_intact() {
    let fx = Fixture::with_records(2, &Hasher::plain());
    let (mut w, _) = Writer::open_existing(&fx.dir, ID, Hasher::plain()).expect("open");
    let len = std::fs::metadata(&fx.path).expect("stat").len();
    // A directory where the head's temp file goes makes the head update fail.
    let blocker = fx.dir.journal_dir().join(format!("{ID}.head.tmp"));
    std::fs::create_dir(&blocker).expect("mkdir");
    assert!(w.append("a", "h", Kind::Note, None, json!({})).is_err());
    assert_eq!(std::fs::metadata(&fx.path).expect("stat").len(), len);
    assert_eq!(w.count(), 2);
    std::fs::remove_dir(&blocker).expect("rmdir");
    let rec = w
        .append("a", "h", Kind::Note, None, json!({}))
        .expect("append");
    assert_eq!(rec.seq, 2);
    assert!(verify(&fx.path, &Hasher::plain()).ok());
}

#[test]
fn open_existing_continues_the_chain() {
    let fx = Fixture::with_records(3, &Hasher::plain());
    let (mut w, outcome) = Writer::open_existing(&fx.dir, ID, Hasher::plain()).expect("open");
    assert_eq!((outcome.records.len(), outcome.torn_tail), (3, None));
    assert_eq!(w.count(), 3);
    let rec = w
        .append("a", "h", Kind::Note, None, json!({}))
        .expect("append");
    assert_eq!(rec.seq, 3);
    assert!(verify(&fx.path, &Hasher::plain()).ok());
}

#[test]
fn open_existing_sets_a_torn_tail_aside() {
    let fx = Fixture::with_records(3, &Hasher::plain());
    let torn = br#"{"seq":3,"ts":"2026-11-25T06:1"#;
    fx.append_raw(torn);
    let (mut w, outcome) = Writer::open_existing(&fx.dir, ID, Hasher::plain()).expect("open");
    let tail = outcome.torn_tail.expect("torn tail");
    assert_eq!((tail.line_no, tail.bytes), (4, torn.len()));
    let saved = outcome.torn_saved.expect("saved");
    let name = saved
        .file_name()
        .expect("name")
        .to_string_lossy()
        .into_owned();
    assert!(name.starts_with(&format!("{ID}.torn-")), "{name}");
    assert_eq!(std::fs::read(&saved).expect("read saved"), torn);
    assert_eq!(mode(&saved), 0o600);
    assert_eq!(fx.lines().len(), 3);

    let rec = w
        .append(
            "a",
            "h",
            Kind::Note,
            None,
            json!({"torn_bytes": tail.bytes}),
        )
        .expect("append");
    assert_eq!(rec.seq, 3);
    let report = verify(&fx.path, &Hasher::plain());
    assert!(report.ok() && report.torn_tail.is_none(), "{report:?}");
    assert_eq!(report.records, 4);
}

#[test]
fn head_one_behind_after_a_crash_is_accepted_and_repaired() {
    let fx = Fixture::with_records(2, &Hasher::plain());
    let head_path = fx.dir.head_path(ID);
    let old_head = std::fs::read(&head_path).expect("head");
    let (mut w, _) = Writer::open_existing(&fx.dir, ID, Hasher::plain()).expect("open");
    w.append("a", "h", Kind::Note, None, json!({}))
        .expect("append");
    drop(w);
    std::fs::write(&head_path, old_head).expect("restore old head");
    assert!(verify(&fx.path, &Hasher::plain()).ok());
    let (w, _) = Writer::open_existing(&fx.dir, ID, Hasher::plain()).expect("open");
    assert_eq!(Head::read(&head_path).expect("head").count, 3);
    assert_eq!(w.count(), 3);
}

#[test]
fn open_existing_refuses_a_tampered_journal() {
    let fx = Fixture::with_records(4, &Hasher::plain());
    fx.tamper(|l| l.truncate(2));
    let err = Writer::open_existing(&fx.dir, ID, Hasher::plain()).expect_err("tampered");
    assert!(err.to_string().contains("fails verification"), "{err}");
    // The evidence is kept: the head still says 4.
    assert_eq!(Head::read(&fx.dir.head_path(ID)).expect("head").count, 4);
}

#[test]
fn list_and_resolve_latest() {
    let fx = Fixture::empty();
    let err = fx.dir.resolve("latest").expect_err("no releases");
    assert!(
        err.to_string().contains("run `flightdeck run` first"),
        "{err}"
    );
    Writer::create(&fx.dir, "a-1-20261125T061000Z", Hasher::plain()).expect("create a");
    Writer::create(&fx.dir, "b-1-20261125T061001Z", Hasher::plain()).expect("create b");
    let ids: Vec<_> = fx
        .dir
        .list()
        .expect("list")
        .into_iter()
        .map(|e| e.id)
        .collect();
    assert_eq!(ids, ["b-1-20261125T061001Z", "a-1-20261125T061000Z"]);
    let latest = fx.dir.resolve("latest").expect("latest");
    assert_eq!(latest, fx.dir.journal_path("b-1-20261125T061001Z"));
    assert!(fx.dir.resolve("nope").is_err());
    assert_eq!(
        fx.dir.resolve(&latest.to_string_lossy()).expect("path"),
        latest
    );
}
