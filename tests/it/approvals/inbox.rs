//! What the release does with inbox files that must not count: a pre-approval, a signature over
//! a changed payload, another release's approval. Each moves to `inbox/rejected/` with a
//! journaled reason.

use flightdeck::release::StepStatus;

use super::Team;
use crate::skip::{self, Component};

#[test]
fn a_forged_or_foreign_inbox_file_is_moved_aside_with_a_journaled_reason() {
    if !skip::need(Component::OpenSsh) {
        return;
    }
    let t = Team::new(None, None);
    let mut run = t.run_plain();
    t.wait_journal("\"kind\":\"step-started\",\"step\":\"cab\"");
    // A pre-approval dropped into the inbox is not for this release's inbox.
    let pre = t.d.path().join("pre.json");
    let (code, text) = t.approve(
        "bob",
        &[
            "--pre",
            "--release-version",
            "2.4.0",
            "--env",
            "production",
            "cab",
            "-o",
            pre.to_str().expect("utf-8"),
        ],
    );
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("pre-approval of `cab` by bob"), "{text}");
    let file: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&pre).expect("pre")).expect("json");
    let payload = file["payload"].as_str().expect("payload");
    assert!(payload.contains("\"expires\":"), "{payload}");
    assert!(!payload.contains("release_id"), "{payload}");
    let inbox = t.d.state().root.join("inbox");
    std::fs::copy(&pre, inbox.join("cab.bob.1.json")).expect("copy");
    t.wait_journal("approval file cab.bob.1.json refused: a pre-approval goes in the answers file");
    assert!(inbox.join("rejected/cab.bob.1.json").is_file());

    // bob's real signature over this release's payload, with the reason changed afterwards.
    let (records, st) = t.d.latest();
    let head =
        flightdeck::journal::Head::read(&t.d.state().head_path(&st.release_id)).expect("head");
    assert!(records.len() >= 2);
    let mut payload = flightdeck::trust::Payload {
        decision: flightdeck::trust::Decision::Approve,
        environment: "production".into(),
        expires: None,
        journal_head: Some(head.last_hash.clone()),
        name: "backend".into(),
        reason: "CAB-77".into(),
        release_id: Some(st.release_id.clone()),
        runbook_sha256: std::fs::read(t.d.path().join("flightdeck.toml"))
            .map(|b| flightdeck::trust::sha256_hex(&b))
            .expect("sha"),
        step: "cab".into(),
        ts: chrono::Utc::now(),
        version: "2.4.0".into(),
    };
    let sig = flightdeck::trust::sign(&payload.canonical(), &t.keys.path("bob")).expect("signs");
    payload.reason = "CAB-77, and skip the smoke test".into();
    let forged = flightdeck::trust::ApprovalFile::new(&payload, sig.clone());
    flightdeck::trust::approval_file::write(&inbox.join("cab.bob.2.json"), &forged, 0o600)
        .expect("write");
    t.wait_journal("approval file cab.bob.2.json refused: signature by bob");
    // The same signature for another release id is refused before it is verified.
    payload.reason = "CAB-77".into();
    payload.release_id = Some("backend-2.4.0-20200101T000000Z".into());
    let other = flightdeck::trust::ApprovalFile::new(&payload, sig);
    flightdeck::trust::approval_file::write(&inbox.join("cab.bob.3.json"), &other, 0o600)
        .expect("write");
    t.wait_journal(
        "approval file cab.bob.3.json refused: it is for release `backend-2.4.0-20200101T000000Z`",
    );
    // The operator's own valid signature, dropped by hand past `approve`'s checks: the core
    // refuses it (separation of duties) and the file goes aside with that reason.
    payload.release_id = Some(st.release_id.clone());
    let own = flightdeck::trust::sign(&payload.canonical(), &t.keys.path("alice")).expect("signs");
    let own = flightdeck::trust::ApprovalFile::new(&payload, own);
    flightdeck::trust::approval_file::write(&inbox.join("cab.alice.4.json"), &own, 0o600)
        .expect("write");
    t.wait_journal("approval file cab.alice.4.json refused: `alice` is the operator of this release and cannot approve it");
    assert!(inbox.join("rejected/cab.alice.4.json").is_file());
    let (_, st) = t.d.latest();
    assert!(st.steps[0].approvals.is_empty(), "nothing counted");
    // Replayed while it runs, the waiting step reads as interrupted: it did not finish.
    assert_eq!(st.steps[0].status, StepStatus::Interrupted);
    let _ = run.kill();
    let _ = run.wait();
}

/// A release that does not pick the file up (stopped with SIGSTOP) makes `approve` exit 1 after
/// 10 s with the file left in the inbox; once the release runs again, it takes it from there.
#[test]
fn an_approval_not_picked_up_in_ten_seconds_stays_in_the_inbox() {
    if !skip::need(Component::OpenSsh) {
        return;
    }
    let t = Team::new(None, None);
    let mut run = t.run_plain();
    t.wait_journal("\"kind\":\"step-started\",\"step\":\"cab\"");
    let pid = nix::unistd::Pid::from_raw(i32::try_from(run.id()).expect("pid"));
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGSTOP).expect("stop");
    let started = std::time::Instant::now();
    let (code, text) = t.approve("bob", &["cab", "--yes"]);
    let waited = started.elapsed();
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGCONT).expect("continue");
    assert_eq!(code, Some(1), "{text}");
    assert!(
        text.contains("not picked up in 10 s; the approval stays in the inbox"),
        "{text}"
    );
    assert!(waited >= std::time::Duration::from_secs(10), "{waited:?}");
    // Running again, the release records it from the inbox.
    t.wait_journal("\"source\":\"signed\"");
    let (_, st) = t.d.latest();
    assert_eq!(st.steps[0].approvals.len(), 1);
    assert_eq!(st.steps[0].approvals[0].principal, "bob");
    let _ = run.kill();
    let _ = run.wait();
}

/// A hang-up while the release waits for approvers: nothing runs that could finish, so the
/// release records the disconnect and exits at once; the step stays open for a resume.
#[test]
fn a_hang_up_while_waiting_for_approvers_exits_and_leaves_the_step_open() {
    if !skip::need(Component::OpenSsh) {
        return;
    }
    let t = Team::new(None, None);
    let mut run = t.run_plain();
    t.wait_journal("\"kind\":\"step-started\",\"step\":\"cab\"");
    let pid = nix::unistd::Pid::from_raw(i32::try_from(run.id()).expect("pid"));
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGHUP).expect("hup");
    assert_eq!(super::wait_exit(&mut run, 10), Some(0));
    let (records, st) = t.d.latest();
    assert!(
        records
            .iter()
            .any(|r| r.kind.to_string() == "operator-disconnected"),
        "{records:?}"
    );
    assert_eq!(st.steps[0].status, StepStatus::Interrupted);
}
