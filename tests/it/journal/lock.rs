//! The lock: taken, held by a live process, stale after a dead pid, released only by its owner.

use flightdeck::journal::lock::{self, hostname};
use flightdeck::journal::{Acquire, LockInfo};

use super::support::{Fixture, mode};

fn dead_pid() -> u32 {
    let mut child = std::process::Command::new("true")
        .spawn()
        .expect("spawn true");
    let pid = child.id();
    child.wait().expect("wait");
    pid
}

fn info(operator: &str, host: String, pid: u32) -> LockInfo {
    LockInfo {
        operator: operator.into(),
        host,
        pid,
        started: "2026-11-25T06:10:00Z".into(),
        release: Some("shop-1.2.3-20261125T061000Z".into()),
    }
}

#[test]
fn acquire_then_held_by_the_live_holder() {
    let fx = Fixture::empty();
    let ours = LockInfo::for_this_process("alice", None);
    assert_eq!(
        lock::acquire(&fx.dir, &ours).expect("acquire"),
        Acquire::Taken
    );
    assert_eq!(mode(&fx.dir.lock_path()), 0o600);
    let theirs = LockInfo::for_this_process("bob", None);
    match lock::acquire(&fx.dir, &theirs).expect("acquire") {
        Acquire::HeldBy(holder) => {
            assert_eq!(holder, ours);
            assert!(
                holder
                    .describe()
                    .starts_with(&format!("alice on {}", hostname()))
            );
        }
        other => panic!("expected HeldBy, got {other:?}"),
    }
}

#[test]
fn dead_pid_on_this_host_is_stale_and_can_be_taken_over() {
    let fx = Fixture::empty();
    let dead = info("carol", hostname(), dead_pid());
    lock::take_over(&fx.dir, &dead).expect("plant lock");
    let ours = LockInfo::for_this_process("alice", None);
    assert_eq!(
        lock::acquire(&fx.dir, &ours).expect("acquire"),
        Acquire::Stale(dead)
    );
    lock::take_over(&fx.dir, &ours).expect("take over");
    assert_eq!(mode(&fx.dir.lock_path()), 0o600);
    let theirs = info("bob", hostname(), dead_pid());
    assert_eq!(
        lock::acquire(&fx.dir, &theirs).expect("acquire"),
        Acquire::HeldBy(ours)
    );
}

#[test]
fn dead_pid_on_another_host_is_not_stale() {
    let fx = Fixture::empty();
    let remote = info("dave", format!("{}-elsewhere", hostname()), dead_pid());
    lock::take_over(&fx.dir, &remote).expect("plant lock");
    let ours = LockInfo::for_this_process("alice", None);
    assert_eq!(
        lock::acquire(&fx.dir, &ours).expect("acquire"),
        Acquire::HeldBy(remote)
    );
}

#[test]
fn release_removes_only_our_lock() {
    let fx = Fixture::empty();
    assert!(!lock::release(&fx.dir).expect("no lock"));
    let other = info("erin", hostname(), dead_pid());
    lock::take_over(&fx.dir, &other).expect("plant lock");
    assert!(!lock::release(&fx.dir).expect("not ours"));
    assert!(fx.dir.lock_path().exists());
    let ours = LockInfo::for_this_process("alice", Some("r"));
    lock::take_over(&fx.dir, &ours).expect("take over");
    assert!(lock::release(&fx.dir).expect("ours"));
    assert!(!fx.dir.lock_path().exists());
    assert_eq!(
        lock::acquire(&fx.dir, &ours).expect("acquire"),
        Acquire::Taken
    );
}
