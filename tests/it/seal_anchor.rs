//! The seal and the anchors end to end (DESIGN.md §9.2–9.3), with real keys made by
//! `ssh-keygen`, real git repositories with bare remotes (a local path, and `ssh://` through the
//! test sshd): seal records at the seal points, a rewrite under a seal or after an anchor caught
//! by `journal verify` (through the remote when the local refs are gone), an unreachable remote
//! that never blocks the release, `journal push`, `--offline`, and a hang-up.

// Helpers and tests unwrap: a panic is the failure report.
#![allow(clippy::unwrap_used, clippy::many_single_char_names)]

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use flightdeck::journal::{Hasher, Head, Kind, Record};

use crate::gates::support::git_repo;
use crate::run::{Dir, out};
use crate::trust::Keys;

const RUNBOOK: &str = r#"
[release]
name = "app"
environment = "staging"
version = "1.0.0"

[git]
path = "."

[trust]
allowed_signers = "allowed_signers"
seal = true

[journal]
anchor = "git"
remote = "origin"

[[steps]]
id = "build"
kind = "run"
run = "echo building {{ version }}"

[[steps]]
id = "deploy"
kind = "run"
run = "echo deployed"
"#;

/// A release directory: the runbook, a git repository, alice's key in `allowed_signers`.
struct Fixture {
    dir: Dir,
    keys: Keys,
    repo: git2::Repository,
}

impl Fixture {
    fn new(runbook: &str) -> Fixture {
        let dir = Dir::new(runbook);
        let repo = git_repo(dir.path());
        let keys = Keys::new();
        keys.key("alice", "");
        let line = format!("alice {}", keys.public("alice"));
        std::fs::write(dir.path().join("allowed_signers"), line + "\n").unwrap();
        Fixture { dir, keys, repo }
    }

    fn key(&self) -> PathBuf {
        self.keys.path("alice")
    }

    /// `flightdeck ARGS` as alice, with her key.
    fn cmd(&self, args: &[&str]) -> assert_cmd::Command {
        let mut c = self.dir.cmd(args);
        c.env("FLIGHTDECK_KEY", self.key())
            .env("RUST_BACKTRACE", "0")
            .timeout(Duration::from_secs(120));
        c
    }

    fn run(&self) -> std::process::Output {
        self.cmd(&["run", "--plain", "--auto-approve", "--operator", "alice"])
            .output()
            .unwrap()
    }

    fn journal(&self) -> PathBuf {
        self.dir.state().resolve("latest").unwrap()
    }

    fn release_id(&self) -> String {
        self.journal()
            .file_stem()
            .unwrap()
            .to_string_lossy()
            .into_owned()
    }

    fn records(&self) -> Vec<Record> {
        self.dir.latest().0
    }
}

fn of_kind(records: &[Record], kind: Kind) -> Vec<&Record> {
    records.iter().filter(|r| r.kind == kind).collect()
}

fn text(o: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Rewrite the journal at `path` as an insider would: change the records `edit` changes, then
/// recompute every `prev` and the head file with the project's own hashing.
fn rewrite(path: &Path, edit: impl Fn(&mut Record)) {
    let hasher = Hasher::plain();
    let id = path.file_stem().unwrap().to_string_lossy().into_owned();
    let text = std::fs::read_to_string(path).unwrap();
    let mut prev = hasher.genesis(&id);
    let mut out = String::new();
    let mut count = 0u64;
    for line in text.lines() {
        let mut rec: Record = serde_json::from_str(line).unwrap();
        edit(&mut rec);
        rec.prev.clone_from(&prev);
        let line = serde_json::to_string(&rec).unwrap();
        prev = hasher.hash(line.as_bytes());
        out.push_str(&line);
        out.push('\n');
        count += 1;
    }
    std::fs::write(path, out).unwrap();
    let head = Head::new(count, prev);
    std::fs::write(
        path.with_extension("head"),
        serde_json::to_vec(&head).unwrap(),
    )
    .unwrap();
}

/// Change the `deploy` step's output, keep everything else.
fn forge_output(rec: &mut Record) {
    if rec.kind == Kind::Output && rec.step.as_deref() == Some("deploy") {
        rec.data["lines"] = serde_json::json!(["deployed (forged)"]);
    }
}

fn bare_origin(f: &Fixture, at: &Path) -> git2::Repository {
    let bare = git2::Repository::init_bare(at).unwrap();
    f.repo.remote("origin", at.to_str().unwrap()).unwrap();
    bare
}

#[test]
fn a_sealed_run_journals_seals_at_start_and_end_and_anchors_to_a_local_bare_remote() {
    let f = Fixture::new(RUNBOOK);
    let remote = tempfile::tempdir().unwrap();
    let bare = bare_origin(&f, remote.path());
    let o = f.run();
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    let records = f.records();
    let seals = of_kind(&records, Kind::Seal);
    let points: Vec<&str> = seals
        .iter()
        .map(|r| r.data["point"].as_str().unwrap())
        .collect();
    assert_eq!(points, ["start", "completed"], "{records:#?}");
    // The start seal covers `release-started` (and what was durable with it); the end seal
    // covers `release-finished`.
    let finished = records
        .iter()
        .position(|r| r.kind == Kind::ReleaseFinished)
        .unwrap() as u64;
    assert!(seals[0].data["count"].as_u64().unwrap() >= 1);
    assert!(seals[1].data["count"].as_u64().unwrap() > finished);
    let fp = flightdeck::trust::fingerprint(&f.key()).unwrap();
    assert_eq!(seals[0].data["key"], fp.as_str());
    assert!(
        seals[0].data["signature"]
            .as_str()
            .unwrap()
            .starts_with("-----BEGIN SSH SIGNATURE-----")
    );
    // Anchors: one per seal point, each pushed to the bare remote.
    let anchors = of_kind(&records, Kind::Anchor);
    assert_eq!(anchors.len(), 2, "{anchors:#?}");
    assert!(
        anchors.iter().all(|a| a.data["pushed"] == true),
        "{anchors:#?}"
    );
    let name = format!("refs/flightdeck/{}", f.release_id());
    let local = f.repo.refname_to_id(&name).unwrap();
    assert_eq!(bare.refname_to_id(&name).unwrap(), local);
    let tip = f.repo.find_commit(local).unwrap();
    assert_eq!(
        tip.parent_count(),
        1,
        "the second anchor's parent is the first"
    );
    assert_eq!(tip.author().name().ok(), Some("alice"));
    assert_eq!(tip.author().email().ok(), Some("alice@flightdeck.invalid"));
    // The plain lines say so.
    let shown = String::from_utf8_lossy(&o.stdout);
    assert!(shown.contains("sealed (start)"), "{shown}");
    assert!(shown.contains("pushed to origin"), "{shown}");

    let v = f.cmd(&["journal", "verify"]).output().unwrap();
    assert_eq!(v.status.code(), Some(0), "{}", out(&v));
    assert!(text(&v).contains("ok: "), "{}", out(&v));
    // Against an allowed_signers that does not know alice's key, every seal fails.
    f.keys.key("mallory", "");
    let other = f
        .keys
        .write("others", &[format!("mallory {}", f.keys.public("mallory"))]);
    let v = f
        .cmd(&["journal", "verify", "--allowed-signers"])
        .arg(&other)
        .output()
        .unwrap();
    assert_eq!(v.status.code(), Some(1), "{}", out(&v));
    let said = text(&v);
    assert!(
        said.contains("seal 1 at record") && said.contains("is not an allowed signer"),
        "{said}"
    );

    let r = f.cmd(&["report"]).output().unwrap();
    let report = String::from_utf8_lossy(&r.stdout);
    assert!(report.contains("## Seals and anchors"), "{report}");
    assert!(
        report.contains(&format!("| {fp} | ✔ signature verified (alice) |")),
        "{report}"
    );
    assert!(
        report.contains(&format!("`{name}`")) && report.contains("the last push succeeded"),
        "{report}"
    );
}

#[test]
fn a_record_rewritten_under_a_seal_fails_verify_with_seal_in_the_message() {
    let f =
        Fixture::new(&RUNBOOK.replace("[journal]\nanchor = \"git\"\nremote = \"origin\"\n", ""));
    let o = f.run();
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    let v = f.cmd(&["journal", "verify"]).output().unwrap();
    assert_eq!(v.status.code(), Some(0), "{}", out(&v));

    rewrite(&f.journal(), forge_output);
    // The chain and the head are fine again: only the seal catches it.
    let plain = flightdeck::journal::verify(&f.journal(), &Hasher::plain());
    assert!(!plain.problems.is_empty());
    assert!(
        plain
            .problems
            .iter()
            .all(|p| p.message.starts_with("seal ")),
        "{:?}",
        plain.problems
    );
    let v = f.cmd(&["journal", "verify"]).output().unwrap();
    assert_eq!(v.status.code(), Some(1), "{}", out(&v));
    let said = text(&v);
    assert!(
        said.contains("seal 2 does not match the journal at record")
            && said.contains("(rewritten after it was sealed)"),
        "{said}"
    );

    // Rewriting the seal's own count and hash to the forged journal breaks its signature.
    let forged = flightdeck::journal::read(&f.journal()).unwrap();
    let hasher = Hasher::plain();
    let last = forged
        .records
        .iter()
        .rposition(|r| r.kind == Kind::Seal)
        .unwrap();
    let count = usize::try_from(forged.records[last].data["count"].as_u64().unwrap()).unwrap();
    let hash = hasher.hash(forged.lines[count - 1].as_bytes());
    rewrite(&f.journal(), |r| {
        if r.kind == Kind::Seal && r.seq == last as u64 {
            r.data["last_hash"] = serde_json::json!(hash);
        }
    });
    let v = f.cmd(&["journal", "verify"]).output().unwrap();
    assert_eq!(v.status.code(), Some(1), "{}", out(&v));
    let said = text(&v);
    assert!(
        said.contains(&format!(
            "seal 2 at record {}: signature does not verify",
            last + 1
        )),
        "{said}"
    );
}

#[test]
fn without_a_key_each_seal_point_journals_seal_skipped_with_the_reason() {
    let f =
        Fixture::new(&RUNBOOK.replace("[journal]\nanchor = \"git\"\nremote = \"origin\"\n", ""));
    let o = f
        .cmd(&["run", "--plain", "--auto-approve", "--operator", "alice"])
        .env_remove("FLIGHTDECK_KEY")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    let records = f.records();
    let skipped = of_kind(&records, Kind::SealSkipped);
    assert_eq!(skipped.len(), 2, "{records:#?}");
    assert!(of_kind(&records, Kind::Seal).is_empty());
    let reason = skipped[0].data["reason"].as_str().unwrap();
    assert!(reason.contains("FLIGHTDECK_KEY"), "{reason}");
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("seal skipped (start): no operator key"),
        "{}",
        out(&o)
    );
}

#[test]
fn an_unreachable_remote_does_not_block_the_release_and_journal_push_retries_it() {
    let f = Fixture::new(RUNBOOK);
    let remote = tempfile::tempdir().unwrap();
    let at = remote.path().join("origin.git");
    f.repo.remote("origin", at.to_str().unwrap()).unwrap();
    let started = Instant::now();
    let o = f.run();
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    assert!(started.elapsed() < Duration::from_secs(60));
    let records = f.records();
    let anchors = of_kind(&records, Kind::Anchor);
    assert_eq!(anchors.len(), 2, "{records:#?}");
    for a in &anchors {
        assert_eq!(a.data["pushed"], false, "{a:?}");
        let err = a.data["error"].as_str().unwrap();
        assert!(err.contains("git push exited"), "{err}");
        assert!(!a.data["commit"].as_str().unwrap().is_empty());
    }
    // Shown: the plain line names the failure; the local anchors are there.
    let shown = String::from_utf8_lossy(&o.stdout);
    assert!(
        shown.contains("not pushed") || shown.contains("failed"),
        "{shown}"
    );
    let name = format!("refs/flightdeck/{}", f.release_id());
    assert!(f.repo.refname_to_id(&name).is_ok());
    // The report says the last push failed.
    let r = f.cmd(&["report"]).output().unwrap();
    let report = String::from_utf8_lossy(&r.stdout);
    assert!(report.contains("the last push FAILED"), "{report}");

    // Verify online: the remote cannot be fetched, which is a problem; offline says it skipped.
    let v = f.cmd(&["journal", "verify"]).output().unwrap();
    assert_eq!(v.status.code(), Some(1), "{}", out(&v));
    assert!(
        text(&v).contains(&format!("anchor {name}: cannot fetch it from origin")),
        "{}",
        out(&v)
    );
    let v = f.cmd(&["journal", "verify", "--offline"]).output().unwrap();
    assert_eq!(v.status.code(), Some(0), "{}", out(&v));
    assert!(
        text(&v).contains("--offline: skipped fetching anchor"),
        "{}",
        out(&v)
    );

    // The remote comes back: `journal push` pushes the anchor; verify fetches it.
    let bare = git2::Repository::init_bare(&at).unwrap();
    let p = f.cmd(&["journal", "push"]).output().unwrap();
    assert_eq!(p.status.code(), Some(0), "{}", out(&p));
    assert!(
        text(&p).contains(&format!("pushed {name} to origin")),
        "{}",
        out(&p)
    );
    assert_eq!(
        bare.refname_to_id(&name).unwrap(),
        f.repo.refname_to_id(&name).unwrap()
    );
    let v = f.cmd(&["journal", "verify"]).output().unwrap();
    assert_eq!(v.status.code(), Some(0), "{}", out(&v));
    // The manual push is journaled, and the report's last push is that one.
    let last = f.records().pop().unwrap();
    assert_eq!(last.kind, Kind::Anchor);
    assert_eq!(last.data["pushed"], true);
    let r = f.cmd(&["report"]).output().unwrap();
    let report = String::from_utf8_lossy(&r.stdout);
    assert!(report.contains("the last push succeeded"), "{report}");
}

#[test]
fn a_rewrite_after_an_anchor_is_caught_over_ssh_even_with_the_local_refs_deleted() {
    let Some(sshd) = crate::sshd::Sshd::start() else {
        return;
    };
    // Only anchors here (no seal), so that the remote alone must catch it.
    let f = Fixture::new(&RUNBOOK.replace("seal = true\n", ""));
    let remote = tempfile::tempdir().unwrap();
    let bare = git2::Repository::init_bare(remote.path()).unwrap();
    f.repo.remote("origin", &sshd.url(remote.path())).unwrap();
    // A slow link (each connection waits a second), so a push is still running at the end.
    let slow = format!("sleep 1; {}", sshd.git_ssh_command());
    let o = f
        .cmd(&["run", "--plain", "--auto-approve", "--operator", "alice"])
        .env("GIT_SSH_COMMAND", slow)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}\n{}", out(&o), sshd.log());
    assert!(
        String::from_utf8_lossy(&o.stderr)
            .contains("waiting up to 30s for the journal anchor push to origin"),
        "{}",
        out(&o)
    );
    let name = format!("refs/flightdeck/{}", f.release_id());
    let anchors = f.records();
    let anchors = of_kind(&anchors, Kind::Anchor);
    assert!(
        !anchors.is_empty() && anchors.iter().all(|a| a.data["pushed"] == true),
        "{anchors:#?}"
    );
    assert!(bare.refname_to_id(&name).is_ok());
    assert!(
        sshd.log().contains("Accepted publickey for root"),
        "{}",
        sshd.log()
    );

    // The insider rewrites the journal, recomputes the chain, and deletes the local ref.
    rewrite(&f.journal(), forge_output);
    f.repo.find_reference(&name).unwrap().delete().unwrap();
    let v = f
        .cmd(&["journal", "verify"])
        .env("GIT_SSH_COMMAND", sshd.git_ssh_command())
        .output()
        .unwrap();
    assert_eq!(v.status.code(), Some(1), "{}", out(&v));
    let said = text(&v);
    assert!(
        said.contains(&format!("anchor {name} on origin has"))
            && said.contains("(rewritten after it was anchored)"),
        "{said}"
    );

    // Offline, the rewrite is only caught by the records the journal itself keeps (the
    // anchor records say a ref existed); and verify says it skipped the fetch.
    let v = f.cmd(&["journal", "verify", "--offline"]).output().unwrap();
    let said = text(&v);
    assert!(
        said.contains("--offline: skipped fetching anchor"),
        "{said}"
    );
    assert!(said.contains("the ref was deleted"), "{said}");
}

#[test]
fn a_hang_up_mid_step_journals_a_seal_after_the_disconnect() {
    let f = Fixture::new(
        &RUNBOOK
            .replace("[journal]\nanchor = \"git\"\nremote = \"origin\"\n", "")
            .replace(
                "run = \"echo deployed\"",
                "run = \"touch started; sleep 2; echo deployed\"",
            ),
    );
    let bin = assert_cmd::cargo::cargo_bin("flightdeck");
    let mut child = std::process::Command::new(bin)
        .args(["run", "--plain", "--auto-approve", "--operator", "alice"])
        .current_dir(f.dir.path())
        .env("FLIGHTDECK_KEY", f.key())
        .env_remove("FLIGHTDECK_JOURNAL_KEY")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let marker = f.dir.path().join("started");
    let deadline = Instant::now() + Duration::from_secs(60);
    while !marker.exists() {
        assert!(Instant::now() < deadline, "the step never started");
        std::thread::sleep(Duration::from_millis(20));
    }
    let pid = nix::unistd::Pid::from_raw(i32::try_from(child.id()).unwrap());
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGHUP).unwrap();
    let status = child.wait().unwrap();
    assert!(status.code().is_some(), "{status:?}");
    let records = f.records();
    let gone = records
        .iter()
        .position(|r| r.kind == Kind::OperatorDisconnected)
        .expect("the disconnect is journaled");
    let after: Vec<&Record> = records[gone..]
        .iter()
        .filter(|r| matches!(r.kind, Kind::Seal | Kind::SealSkipped))
        .collect();
    assert!(
        after.iter().any(|r| r.data["point"] == "hang-up"),
        "{records:#?}"
    );
    // The step finished after the hang-up, and a seal covers its outcome too.
    let finished = records
        .iter()
        .rposition(|r| r.kind == Kind::StepFinished && r.step.as_deref() == Some("deploy"))
        .expect("the step's outcome is journaled");
    assert!(
        after
            .iter()
            .any(|r| r.data["count"].as_u64().unwrap() > finished as u64),
        "{records:#?}"
    );
    let v = f.cmd(&["journal", "verify"]).output().unwrap();
    assert_eq!(v.status.code(), Some(0), "{}", out(&v));
}

#[test]
fn the_cockpit_runs_steps_while_a_slow_seal_signs() {
    if !crate::skip::need(crate::skip::Component::Tmux) {
        return;
    }
    let f =
        Fixture::new(&RUNBOOK.replace("[journal]\nanchor = \"git\"\nremote = \"origin\"\n", ""));
    // The real ssh-keygen, slow to sign as a hardware key waiting for a touch.
    let real = String::from_utf8(
        std::process::Command::new("sh")
            .args(["-c", "command -v ssh-keygen"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    let wrap = f.dir.path().join("slow-bin");
    std::fs::create_dir(&wrap).unwrap();
    let script = wrap.join("ssh-keygen");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\ncase \" $* \" in *\" sign \"*) sleep 6;; esac\nexec {} \"$@\"\n",
            real.trim()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let cmd = format!(
        "PATH={}:$PATH FLIGHTDECK_KEY={} {} run --operator alice; echo $? > exit.txt",
        wrap.display(),
        f.key().display(),
        crate::tmux::bin()
    );
    let t = crate::tmux::Tmux::start(f.dir.path(), &cmd, 120, 32);
    t.wait_for("⏎ runs step");
    let pressed = Instant::now();
    t.keys(&["Enter"]);
    // The step runs and is journaled while the start seal is still being signed.
    let journal = f.dir.path().join(".flightdeck/journal");
    loop {
        let done = std::fs::read_dir(&journal)
            .ok()
            .and_then(|mut d| d.next())
            .is_some()
            && f.records()
                .iter()
                .any(|r| r.kind == Kind::StepFinished && r.step.as_deref() == Some("build"));
        if done {
            break;
        }
        assert!(pressed.elapsed() < Duration::from_secs(5), "{}", t.screen());
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(
        of_kind(&f.records(), Kind::Seal).is_empty(),
        "the seal is still signing"
    );
    t.keys(&["Enter"]);
    t.wait_for("completed");
    t.keys(&["q"]);
    // Leaving waits for the seals still signing (each takes 6 s here), and says so.
    t.wait_for("sealing the journal");
    let exit = f.dir.path().join("exit.txt");
    let deadline = Instant::now() + Duration::from_secs(30);
    let code = loop {
        match std::fs::read_to_string(&exit) {
            Ok(c) if !c.is_empty() => break c,
            _ => {}
        }
        assert!(Instant::now() < deadline, "{}", t.screen());
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_eq!(code.trim(), "0");
    let records = f.records();
    let finished = records
        .iter()
        .position(|r| r.kind == Kind::StepFinished)
        .unwrap();
    let start = records
        .iter()
        .position(|r| r.kind == Kind::Seal && r.data["point"] == "start")
        .expect("the start seal is journaled once signed");
    assert!(finished < start, "{records:#?}");
    assert!(
        records
            .iter()
            .any(|r| r.kind == Kind::Seal && r.data["point"] == "completed"),
        "{records:#?}"
    );
    let v = f.cmd(&["journal", "verify"]).output().unwrap();
    assert_eq!(v.status.code(), Some(0), "{}", out(&v));
}
