//! `verify`: every kind of tampering is caught and named by line; torn tails are not tampering.

use flightdeck::journal::{Hasher, TornTail, VerifyReport, verify};

use super::support::Fixture;

fn lines_of(report: &VerifyReport) -> Vec<usize> {
    report.problems.iter().map(|p| p.line).collect()
}

fn check(fx: &Fixture) -> VerifyReport {
    verify(&fx.path, &Hasher::plain())
}

#[test]
fn clean_journal_verifies() {
    let fx = Fixture::with_records(10, &Hasher::plain());
    let report = check(&fx);
    assert!(report.ok(), "{report:?}");
    assert_eq!(report.records, 10);
    let last = fx.lines().pop().expect("a line");
    assert_eq!(
        report.final_hash,
        Some(Hasher::plain().hash(last.as_bytes()))
    );
    assert_eq!(report.torn_tail, None);
}

#[test]
fn empty_journal_verifies() {
    let fx = Fixture::with_records(0, &Hasher::plain());
    let report = check(&fx);
    assert!(report.ok(), "{report:?}");
    assert_eq!((report.records, report.final_hash), (0, None));
}

#[test]
fn edited_middle_record_is_named() {
    let fx = Fixture::with_records(10, &Hasher::plain());
    fx.tamper(|l| l[4] = l[4].replace(r#""i":4"#, r#""i":44"#));
    let report = check(&fx);
    assert_eq!(lines_of(&report), [5], "{report:?}");
    assert!(report.problems[0].message.contains("edited"));
}

#[test]
fn edited_first_record_is_named() {
    let fx = Fixture::with_records(10, &Hasher::plain());
    fx.tamper(|l| l[0] = l[0].replace("alice", "mallory"));
    assert_eq!(lines_of(&check(&fx)), [1]);
}

#[test]
fn edited_last_record_is_caught_by_the_head() {
    let fx = Fixture::with_records(10, &Hasher::plain());
    fx.tamper(|l| l[9] = l[9].replace("alice", "mallory"));
    let report = check(&fx);
    assert_eq!(lines_of(&report), [10], "{report:?}");
    assert!(report.problems[0].message.contains("last_hash"));
}

#[test]
fn deleted_first_record_is_named() {
    let fx = Fixture::with_records(10, &Hasher::plain());
    fx.tamper(|l| {
        l.remove(0);
    });
    let report = check(&fx);
    assert_eq!(lines_of(&report), [1], "{report:?}");
    assert!(report.problems[0].message.contains("1 record(s) deleted"));
}

#[test]
fn deleted_middle_record_is_named() {
    let fx = Fixture::with_records(10, &Hasher::plain());
    fx.tamper(|l| {
        l.remove(4);
    });
    let report = check(&fx);
    assert_eq!(lines_of(&report), [5], "{report:?}");
    assert!(report.problems[0].message.contains("deleted"));
}

#[test]
fn deleted_last_record_is_named() {
    let fx = Fixture::with_records(10, &Hasher::plain());
    fx.tamper(|l| {
        l.pop();
    });
    let report = check(&fx);
    assert_eq!(lines_of(&report), [10], "{report:?}");
    assert_eq!(
        report.problems[0].message,
        "1 records missing from the tail (head says 10)"
    );
}

#[test]
fn truncated_tail_is_named() {
    let fx = Fixture::with_records(10, &Hasher::plain());
    fx.tamper(|l| l.truncate(8));
    let report = check(&fx);
    assert_eq!(lines_of(&report), [9], "{report:?}");
    assert_eq!(
        report.problems[0].message,
        "2 records missing from the tail (head says 10)"
    );
}

#[test]
fn reordered_records_are_named() {
    let fx = Fixture::with_records(10, &Hasher::plain());
    fx.tamper(|l| l.swap(3, 4));
    let report = check(&fx);
    assert_eq!(lines_of(&report), [5], "{report:?}");
    assert!(report.problems[0].message.contains("reordered"));
}

#[test]
fn record_moved_to_the_end_is_named() {
    let fx = Fixture::with_records(6, &Hasher::plain());
    fx.tamper(|l| {
        let moved = l.remove(1);
        l.push(moved);
    });
    assert_eq!(lines_of(&check(&fx)), [6]);
}

#[test]
fn garbage_middle_line_is_named() {
    let fx = Fixture::with_records(5, &Hasher::plain());
    fx.tamper(|l| l[2] = "{not json".to_owned());
    let report = check(&fx);
    assert_eq!(lines_of(&report), [3], "{report:?}");
    assert!(
        report.problems[0]
            .message
            .contains("not a valid journal record")
    );
}

#[test]
fn torn_tail_is_reported_but_not_a_problem() {
    let fx = Fixture::with_records(4, &Hasher::plain());
    let lines = fx.lines();
    let half = &lines[1][..30];
    fx.append_raw(half.as_bytes());
    let report = check(&fx);
    assert!(report.ok(), "{report:?}");
    assert_eq!(report.records, 4);
    assert_eq!(
        report.torn_tail,
        Some(TornTail {
            line_no: 5,
            bytes: 30
        })
    );
}

#[test]
fn torn_tail_after_a_truncation_is_still_a_problem() {
    let fx = Fixture::with_records(4, &Hasher::plain());
    let lines = fx.lines();
    fx.write_lines(&lines[..2]);
    fx.append_raw(&lines[2].as_bytes()[..10]);
    let report = check(&fx);
    assert_eq!(lines_of(&report), [3], "{report:?}");
    assert!(report.torn_tail.is_some());
}

#[test]
fn missing_or_unreadable_head_is_a_problem() {
    let fx = Fixture::with_records(3, &Hasher::plain());
    let head = fx.dir.head_path(super::support::ID);
    std::fs::write(&head, "{garbage").expect("write head");
    let report = check(&fx);
    assert_eq!(lines_of(&report), [0], "{report:?}");
    assert!(report.problems[0].message.contains("not valid"));
    std::fs::remove_file(&head).expect("remove head");
    let report = check(&fx);
    assert_eq!(lines_of(&report), [0], "{report:?}");
    assert!(report.problems[0].message.contains("cannot read head file"));
}

#[test]
fn hmac_journal_needs_its_key() {
    let key = Hasher::with_key("s3cret");
    let fx = Fixture::with_records(5, &key);
    assert!(verify(&fx.path, &key).ok());
    let without = verify(&fx.path, &Hasher::plain());
    assert!(!without.ok());
    assert!(
        without.problems[0]
            .message
            .contains("FLIGHTDECK_JOURNAL_KEY")
    );
    assert!(!verify(&fx.path, &Hasher::with_key("wrong")).ok());
}

#[test]
fn plain_journal_fails_under_a_key() {
    let fx = Fixture::with_records(3, &Hasher::plain());
    assert!(!verify(&fx.path, &Hasher::with_key("k")).ok());
}

#[test]
fn renamed_journal_fails_on_line_one() {
    let fx = Fixture::with_records(3, &Hasher::plain());
    let other = fx.path.with_file_name("other-1-20261125T061000Z.jsonl");
    std::fs::rename(&fx.path, &other).expect("rename");
    std::fs::copy(fx.path.with_extension("head"), other.with_extension("head")).expect("copy");
    let report = verify(&other, &Hasher::plain());
    assert_eq!(lines_of(&report), [1], "{report:?}");
}
