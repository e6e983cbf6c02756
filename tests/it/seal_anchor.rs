//! The seal and the anchors end to end (DESIGN.md §9.2–9.3), with real keys made by
//! `ssh-keygen`, real git repositories with bare remotes (a local path, and `ssh://` through the
//! test sshd): seal records at the seal points, a rewrite under a seal or after an anchor caught
//! by `journal verify` (through the remote when the local refs are gone), an unreachable remote
//! that never blocks the release, `journal push`, `--offline`, and a hang-up.
//! This module is the harness; its children hold the tests, by area.

// Helpers and tests unwrap: a panic is the failure report.
#![allow(clippy::unwrap_used, clippy::many_single_char_names)]

mod anchors;
mod key_flag;
mod seals;
mod signals;

use std::path::{Path, PathBuf};
use std::time::Duration;

use flightdeck::journal::{Hasher, Head, Kind, Record};

use crate::gates::support::git_repo;
use crate::run::Dir;
use crate::trust::Keys;

pub const RUNBOOK: &str = r#"
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
pub struct Fixture {
    pub dir: Dir,
    pub keys: Keys,
    pub repo: git2::Repository,
}

impl Fixture {
    pub fn new(runbook: &str) -> Fixture {
        let dir = Dir::new(runbook);
        let repo = git_repo(dir.path());
        let keys = Keys::new();
        keys.key("alice", "");
        let line = format!("alice {}", keys.public("alice"));
        std::fs::write(dir.path().join("allowed_signers"), line + "\n").unwrap();
        Fixture { dir, keys, repo }
    }

    pub fn key(&self) -> PathBuf {
        self.keys.path("alice")
    }

    /// `flightdeck ARGS` as alice, with her key.
    pub fn cmd(&self, args: &[&str]) -> assert_cmd::Command {
        let mut c = self.dir.cmd(args);
        c.env("FLIGHTDECK_KEY", self.key())
            .env("RUST_BACKTRACE", "0")
            .timeout(Duration::from_secs(120));
        c
    }

    pub fn run(&self) -> std::process::Output {
        self.cmd(&["run", "--plain", "--auto-approve", "--operator", "alice"])
            .output()
            .unwrap()
    }

    pub fn journal(&self) -> PathBuf {
        self.dir.state().resolve("latest").unwrap()
    }

    pub fn release_id(&self) -> String {
        self.journal()
            .file_stem()
            .unwrap()
            .to_string_lossy()
            .into_owned()
    }

    pub fn records(&self) -> Vec<Record> {
        self.dir.latest().0
    }
}

pub fn of_kind(records: &[Record], kind: Kind) -> Vec<&Record> {
    records.iter().filter(|r| r.kind == kind).collect()
}

pub fn text(o: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Rewrite the journal at `path` as an insider would: change the records `edit` changes, then
/// recompute every `prev` and the head file with the project's own hashing.
pub fn rewrite(path: &Path, edit: impl Fn(&mut Record)) {
    rewrite_keeping(path, |_| true, edit);
}

/// [`rewrite`], dropping the records `keep` refuses (the rest renumbered without gaps).
pub fn rewrite_keeping(path: &Path, keep: impl Fn(&Record) -> bool, edit: impl Fn(&mut Record)) {
    let hasher = Hasher::plain();
    let id = path.file_stem().unwrap().to_string_lossy().into_owned();
    let text = std::fs::read_to_string(path).unwrap();
    let mut prev = hasher.genesis(&id);
    let mut out = String::new();
    let mut count = 0u64;
    for line in text.lines() {
        let mut rec: Record = serde_json::from_str(line).unwrap();
        if !keep(&rec) {
            continue;
        }
        rec.seq = count;
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
pub fn forge_output(rec: &mut Record) {
    if rec.kind == Kind::Output && rec.step.as_deref() == Some("deploy") {
        rec.data["lines"] = serde_json::json!(["deployed (forged)"]);
    }
}

pub fn bare_origin(f: &Fixture, at: &Path) -> git2::Repository {
    let bare = git2::Repository::init_bare(at).unwrap();
    f.repo.remote("origin", at.to_str().unwrap()).unwrap();
    bare
}
