//! Shared fixtures: a temp state dir with a journal of numbered `note` records.

use std::path::PathBuf;

use flightdeck::journal::{Entry, Hasher, Kind, StateDir, Writer};
use serde_json::json;
use tempfile::TempDir;

pub const ID: &str = "shop-1.2.3-20261125T061000Z";

pub struct Fixture {
    pub _tmp: TempDir,
    pub dir: StateDir,
    pub path: PathBuf,
}

impl Fixture {
    pub fn empty() -> Self {
        let tmp = tempfile::tempdir().expect("temp dir");
        let dir = StateDir::new(tmp.path().join(".flightdeck"));
        let path = dir.journal_path(ID);
        Self {
            _tmp: tmp,
            dir,
            path,
        }
    }

    /// A journal with `n` note records written under `hasher`.
    pub fn with_records(n: usize, hasher: &Hasher) -> Self {
        let fx = Self::empty();
        let mut w = Writer::create(&fx.dir, ID, hasher.clone()).expect("create");
        for i in 0..n {
            w.append("alice", "host1", Kind::Note, None, json!({ "i": i }))
                .expect("append");
        }
        fx
    }

    pub fn lines(&self) -> Vec<String> {
        std::fs::read_to_string(&self.path)
            .expect("read journal")
            .lines()
            .map(str::to_owned)
            .collect()
    }

    pub fn write_lines(&self, lines: &[String]) {
        let mut text = lines.join("\n");
        if !lines.is_empty() {
            text.push('\n');
        }
        std::fs::write(&self.path, text).expect("write journal");
    }

    /// Applies `f` to the raw lines and writes them back.
    pub fn tamper(&self, f: impl FnOnce(&mut Vec<String>)) {
        let mut lines = self.lines();
        f(&mut lines);
        self.write_lines(&lines);
    }

    pub fn append_raw(&self, bytes: &[u8]) {
        use std::io::Write;
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(&self.path)
            .expect("open journal");
        f.write_all(bytes).expect("append raw");
    }
}

pub fn mode(path: &std::path::Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).expect("stat").permissions().mode() & 0o7777
}

/// A `note` entry numbered `i`, at a fixed time.
pub fn entry(i: usize) -> Entry {
    Entry {
        at: chrono::DateTime::from_timestamp(1_764_051_000, 0).expect("time"),
        operator: "alice".into(),
        host: "host1".into(),
        kind: Kind::Note,
        step: None,
        data: json!({ "i": i }),
    }
}

pub use crate::faults::Tmpfs;
