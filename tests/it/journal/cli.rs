//! `journal list | show | verify` output and exit codes.

use flightdeck::journal::cli::{list, show, verify_cmd_with};
use flightdeck::journal::{Hasher, Kind, Writer};
use serde_json::json;

use super::support::{Fixture, ID};

fn text(buf: &[u8]) -> String {
    String::from_utf8(buf.to_vec()).expect("utf-8")
}

#[test]
fn list_shows_records_and_outcome() {
    let fx = Fixture::with_records(2, &Hasher::plain());
    let done = "api-2.0-20261125T070000Z";
    let mut w = Writer::create(&fx.dir, done, Hasher::plain()).expect("create");
    w.append(
        "a",
        "h",
        Kind::ReleaseFinished,
        None,
        json!({"outcome": "rolled-back"}),
    )
    .expect("append");
    let mut out = Vec::new();
    assert_eq!(list(&fx.dir, &mut out).expect("list"), 0);
    let out = text(&out);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "{out}");
    let row = |id: &str| *lines.iter().find(|l| l.starts_with(id)).expect("row");
    assert!(row(ID).ends_with("2 records  unfinished"), "{out}");
    assert!(row(done).ends_with("1 records  rolled-back"), "{out}");
}

#[test]
fn show_prints_one_line_per_record() {
    let fx = Fixture::empty();
    let mut w = Writer::create(&fx.dir, ID, Hasher::plain()).expect("create");
    let rec = w
        .append(
            "alice",
            "h",
            Kind::StepStarted,
            Some("deploy"),
            json!({"n": 1}),
        )
        .expect("append");
    let mut out = Vec::new();
    assert_eq!(show(&fx.dir, "latest", &mut out).expect("show"), 0);
    let expected = format!(
        "   0  {}  alice  step-started  deploy  {{\"n\":1}}\n",
        &rec.ts[11..23]
    );
    assert_eq!(text(&out), expected);
}

#[test]
fn verify_cmd_ok_and_fail() {
    let fx = Fixture::with_records(6, &Hasher::plain());
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = verify_cmd_with(&fx.dir, Some(ID), &Hasher::plain(), &mut out, &mut err);
    assert_eq!(code.expect("verify"), 0);
    let hash = Hasher::plain().hash(fx.lines()[5].as_bytes());
    assert_eq!(
        text(&out),
        format!("ok: {ID} — 6 records, final hash {hash}\n")
    );
    assert!(err.is_empty());

    fx.tamper(|l| l[1] = l[1].replace("alice", "mallory"));
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = verify_cmd_with(&fx.dir, None, &Hasher::plain(), &mut out, &mut err);
    assert_eq!(code.expect("verify"), 1);
    assert!(out.is_empty());
    let err = text(&err);
    assert!(
        err.starts_with(&format!("FAIL: {}:2: record was edited", fx.path.display())),
        "{err}"
    );
}

#[test]
fn verify_cmd_warns_about_a_torn_tail() {
    let fx = Fixture::with_records(2, &Hasher::plain());
    fx.append_raw(b"{\"seq\":2");
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = verify_cmd_with(
        &fx.dir,
        Some("latest"),
        &Hasher::plain(),
        &mut out,
        &mut err,
    );
    assert_eq!(code.expect("verify"), 0);
    assert!(text(&out).starts_with(&format!("ok: {ID} — 2 records")));
    assert_eq!(
        text(&err),
        format!(
            "warning: {}:3: torn last line (8 bytes; the process stopped mid-write) — everything before it is intact\n",
            fx.path.display()
        )
    );
}

#[test]
fn verify_cmd_without_releases_is_an_error() {
    let fx = Fixture::empty();
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let result = verify_cmd_with(&fx.dir, None, &Hasher::plain(), &mut out, &mut err);
    assert!(
        result
            .expect_err("no releases")
            .to_string()
            .contains("no releases in")
    );
}
