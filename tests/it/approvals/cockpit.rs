//! Signed approvals on screen and across accounts: the cockpit in tmux (with `observe` beside
//! it and an approver confirming on her terminal), and an approver on a second Unix account.

use std::path::Path;
use std::process::Command;

use super::{Team, signed_by, wait_exit};
use crate::run::out;
use crate::skip::{self, Component};
use crate::tmux::{Tmux, bin};

/// The cockpit in tmux: alice cannot approve her own release, mallory's key is refused, bob
/// alone leaves the step at 1/2 on screen, bob + carol open it.
#[test]
fn the_cockpit_shows_the_count_and_two_approvers_open_the_step() {
    if !skip::need(Component::OpenSsh) || !skip::need(Component::Tmux) {
        return;
    }
    let mut t = Team::new(None, None);
    t.bob_in_agent();
    let cmd = format!(
        "{} run --operator alice --key {}; echo exit=$? > exit.txt; sleep 30",
        bin(),
        t.key("alice")
    );
    let tm = Tmux::start(t.d.path(), &cmd, 160, 48);
    tm.wait_for("Change advisory board");
    tm.keys(&["Enter"]);
    // The checklist's detail line, and in full on the status line.
    let s = tm.wait_for(
        "step 1 waiting: 0/2 approvals (alice: operator, cannot approve) · flightdeck approve cab",
    );
    assert!(
        s.contains("└ waiting: 0/2 approvals (alice: operator"),
        "{s}"
    );
    let (code, text) = t.approve("alice", &["cab", "--yes"]);
    assert_eq!(code, Some(4), "{text}");
    let (code, text) = t.approve("mallory", &["cab", "--yes"]);
    assert_eq!(code, Some(4), "{text}");
    let (code, text) = t.approve("bob", &["cab", "--yes"]);
    assert_eq!(code, Some(0), "{text}");
    let s = tm.wait_for(
        "step 1 waiting: 1/2 approvals (bob ✔ · alice: operator, cannot approve) · flightdeck approve cab",
    );
    assert!(s.contains("└ waiting: 1/2 approvals (bob ✔ · alice"), "{s}");
    // `observe` from another session shows the same line.
    let obs = Tmux::start(t.d.path(), &format!("{} observe; sleep 30", bin()), 160, 48);
    obs.wait_for("OBSERVING alice's release");
    obs.wait_for("step 1 waiting: 1/2 approvals (bob ✔ · alice: operator, cannot approve)");
    // carol confirms on her terminal (no --yes).
    let carol = Tmux::start(
        t.d.path(),
        &format!(
            "env -u SSH_AUTH_SOCK {} approve cab --key {} --reason LGTM; echo approve-exit=$?; sleep 30",
            bin(),
            t.key("carol")
        ),
        120,
        30,
    );
    let s = carol.wait_for("approve? [y/N]");
    assert!(s.contains("still to run cab · deploy"), "{s}");
    assert!(s.contains("decision     approve: LGTM"), "{s}");
    carol.text("y");
    carol.keys(&["Enter"]);
    let s = carol.wait_for("approve-exit=");
    assert!(s.contains("recorded: 2/2 approvals"), "{s}");
    assert!(s.contains("approve-exit=0"), "{s}");
    tm.wait_for("✔ 1");
    tm.keys(&["Enter"]);
    tm.wait_for("✔ 2");
    let signed = signed_by(&t.approvals());
    assert_eq!(signed.len(), 2, "{signed:?}");
    assert_eq!(signed[0].0, "bob");
    assert_eq!(signed[1].0, "carol");
}

/// An approver logged in as another Unix user drops the approval through the shared group's
/// inbox (`release.shared_group`).
#[test]
fn an_approver_on_another_unix_account_approves_through_the_shared_group() {
    // A second Unix user is made with useradd: root only.
    if !skip::need(Component::OpenSsh) || !skip::need(Component::Root) {
        return;
    }
    let n = std::process::id();
    let (group, user) = (format!("fdg{n}"), format!("fdu{n}"));
    let _cleanup = Users(user.clone(), group.clone());
    let ok = |c: &mut Command| c.status().is_ok_and(|s| s.success());
    assert!(ok(Command::new("groupadd").arg(&group)), "groupadd");
    assert!(
        ok(Command::new("useradd").args(["-M", "-N", "-g", &group, &user])),
        "useradd"
    );
    let mut t = Team::new(None, Some(&group));
    // The approver reads the runbook directory; their key is theirs alone.
    let mode = |p: &Path, m: u32| {
        std::fs::set_permissions(p, std::os::unix::fs::PermissionsExt::from_mode(m))
            .expect("chmod");
    };
    mode(t.d.path(), 0o755);
    let home = tempfile::tempdir().expect("tempdir");
    mode(home.path(), 0o755);
    let bin_copy = home.path().join("flightdeck");
    std::fs::copy(bin(), &bin_copy).expect("copy the binary");
    mode(&bin_copy, 0o755);
    let key = home.path().join("carol");
    std::fs::copy(t.keys.path("carol"), &key).expect("key");
    std::fs::copy(t.keys.path("carol.pub"), home.path().join("carol.pub")).expect("pub");
    let chown = Command::new("chown")
        .arg(format!("{user}:{group}"))
        .arg(&key)
        .arg(home.path().join("carol.pub"))
        .status()
        .expect("chown");
    assert!(chown.success());
    mode(&key, 0o600);
    t.agent = None;
    let mut run = t.run_plain();
    t.wait_journal("\"kind\":\"step-started\",\"step\":\"cab\"");
    let inbox = t.d.state().root.join("inbox");
    let meta = std::fs::metadata(&inbox).expect("inbox");
    assert_eq!(
        std::os::unix::fs::PermissionsExt::mode(&meta.permissions()) & 0o7777,
        0o2770,
        "group-writable and setgid"
    );
    let (code, text) = t.approve("bob", &["cab", "--yes"]);
    assert_eq!(code, Some(0), "{text}");
    let o = Command::new("runuser")
        .args(["-u", &user, "--"])
        .arg(&bin_copy)
        .args(["approve", "cab", "--yes", "--key"])
        .arg(&key)
        .current_dir(t.d.path())
        .env("RUST_BACKTRACE", "0")
        .env_remove("SSH_AUTH_SOCK")
        .env_remove("FLIGHTDECK_KEY")
        .output()
        .expect("runuser runs");
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("recorded: 2/2 approvals"));
    assert_eq!(wait_exit(&mut run, 20), Some(0));
    let signed = signed_by(&t.approvals());
    assert_eq!(signed.len(), 2, "{signed:?}");
    assert_eq!(signed[1].0, "carol");
}

/// Removes the test's user and group.
struct Users(String, String);

impl Drop for Users {
    fn drop(&mut self) {
        let _ = Command::new("userdel").arg(&self.0).status();
        let _ = Command::new("groupdel").arg(&self.1).status();
    }
}
