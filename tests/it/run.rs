//! The binary end to end (`assert_cmd`): headless `run`, `plan`, `rollback`, refusals, journal.
//! This module holds the shared `Dir` and runbook; its children hold the tests, by area.

mod commands;
mod headless;
mod refusals;

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use flightdeck::journal::{Hasher, StateDir, read, verify};
use flightdeck::release::replay;

pub struct Dir {
    pub tmp: tempfile::TempDir,
}

impl Dir {
    pub fn new(runbook: &str) -> Dir {
        let tmp = tempfile::tempdir().expect("tempdir");
        std::fs::write(tmp.path().join("flightdeck.toml"), runbook).expect("write runbook");
        Dir { tmp }
    }
    pub fn path(&self) -> &Path {
        self.tmp.path()
    }
    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        let p = self.tmp.path().join(name);
        std::fs::write(&p, text).expect("write");
        p
    }
    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::cargo_bin("flightdeck").expect("binary");
        c.current_dir(self.path())
            .env_remove("FLIGHTDECK_JOURNAL_KEY")
            .env_remove("SUDO_USER")
            .args(args);
        c
    }
    pub fn state(&self) -> StateDir {
        StateDir::new(self.path().join(".flightdeck"))
    }
    /// The newest journal's records and the state they rebuild.
    pub fn latest(
        &self,
    ) -> (
        Vec<flightdeck::journal::Record>,
        flightdeck::release::ReleaseState,
    ) {
        let path = self.state().resolve("latest").expect("a journal");
        let out = read(&path).expect("readable");
        let st = replay::from_records(&out.records).expect("replays");
        (out.records, st)
    }
    pub fn verify_latest(&self) {
        let path = self.state().resolve("latest").expect("a journal");
        let rep = verify(&path, &Hasher::plain());
        assert!(rep.ok(), "journal verify failed: {:?}", rep.problems);
    }
}

pub fn out(o: &std::process::Output) -> String {
    format!(
        "stdout:\n{}\nstderr:\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

const BASIC: &str = r#"
[release]
name = "app"
environment = "staging"
version = "1.2.0"

[[steps]]
id = "qa"
kind = "manual"
title = "QA checklist attached"
evidence = "required"

[[steps]]
id = "deploy"
kind = "run"
run = "echo deploying {{ version }}; echo 'Transaction hash: 0xabc123'; echo warn >&2"
capture = { tx = 'Transaction hash: (0x[0-9a-f]+)' }

[[steps]]
id = "smoke"
kind = "run"
run = "test -f fail-smoke && exit 7; echo smoke ok for {{ captures.tx }}"

[[rollback.steps]]
kind = "run"
run = "echo rolled back > rolled-back.txt; echo rollback done"
"#;
