//! Appending records: one JSON line, fsynced, then the head file rewritten atomically.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use color_eyre::eyre::{Result, WrapErr, bail, eyre};

use super::hash::Hasher;
use super::head::{Head, HeadError, sync_parent};
use super::reader::{ReadOutcome, read};
use super::record::{Kind, Record};
use super::state_dir::StateDir;
use super::verify::verify;

/// The single writer of one release journal. Owns the open file.
#[derive(Debug)]
pub struct Writer {
    file: File,
    path: PathBuf,
    head_path: PathBuf,
    dir: StateDir,
    release_id: String,
    hasher: Hasher,
    count: u64,
    last_hash: String,
    /// Length of the file after the last complete record.
    len: u64,
    /// Set when a failed append could not be undone; every later append is refused.
    poisoned: bool,
}

impl Writer {
    /// Starts a new journal. Refuses if it already exists.
    pub fn create(dir: &StateDir, release_id: &str, hasher: Hasher) -> Result<Writer> {
        if release_id.is_empty() || release_id == "latest" || release_id.contains('/') {
            bail!(
                "invalid release id `{release_id}`: it must be non-empty, not `latest`, without `/`"
            );
        }
        dir.ensure()?;
        let path = dir.journal_path(release_id);
        if path.exists() {
            bail!(
                "journal {} already exists; resume that release or start one with a new id",
                path.display()
            );
        }
        drop(dir.create_file(&path, true)?);
        let genesis = hasher.genesis(release_id);
        let head_path = dir.head_path(release_id);
        if let Err(e) = Head::new(0, genesis.clone()).write_atomic(dir, &head_path) {
            let _ = std::fs::remove_file(&path);
            return Err(e.into_report());
        }
        let file = open_append(&path)?;
        Ok(Writer {
            file,
            path,
            head_path,
            dir: dir.clone(),
            release_id: release_id.to_owned(),
            hasher,
            count: 0,
            last_hash: genesis,
            len: 0,
            poisoned: false,
        })
    }

    /// Reopens a journal to resume a release. It must verify (a torn tail is allowed: its bytes
    /// are moved to `<id>.torn-<unix_ms>` and the journal is cut back to its last complete line;
    /// see `torn_tail` and `torn_saved` in the outcome, so the caller can journal a note).
    pub fn open_existing(
        dir: &StateDir,
        release_id: &str,
        hasher: Hasher,
    ) -> Result<(Writer, ReadOutcome)> {
        let path = dir.journal_path(release_id);
        if !path.is_file() {
            bail!(
                "no journal {} to resume; start the release with `flightdeck run`",
                path.display()
            );
        }
        let report = verify(&path, &hasher);
        if let Some(first) = report.problems.first() {
            bail!(
                "journal {}:{} fails verification ({}; {} problem(s) in all); run `flightdeck journal verify {release_id}` — a journal that fails verification cannot be resumed",
                path.display(),
                first.line,
                first.message,
                report.problems.len()
            );
        }
        let mut outcome = read(&path)?;
        if let Some(torn) = outcome.torn_tail {
            outcome.torn_saved = Some(set_aside_torn(dir, &path, release_id, torn.bytes)?);
        }
        let count = outcome.records.len() as u64;
        let last_hash = outcome
            .lines
            .last()
            .map_or_else(|| hasher.genesis(release_id), |l| hasher.hash(l.as_bytes()));
        let head_path = dir.head_path(release_id);
        // Brings a head left one record behind by a crash up to date.
        Head::new(count, last_hash.clone())
            .write_atomic(dir, &head_path)
            .map_err(HeadError::into_report)?;
        let file = open_append(&path)?;
        let len = file
            .metadata()
            .wrap_err_with(|| format!("cannot stat {}", path.display()))?
            .len();
        let writer = Writer {
            file,
            path,
            head_path,
            dir: dir.clone(),
            release_id: release_id.to_owned(),
            hasher,
            count,
            last_hash,
            len,
            poisoned: false,
        };
        Ok((writer, outcome))
    }

    /// Appends one record and makes it durable (fsync), then updates the head file. On error
    /// the record is not in the journal and the chain is unchanged, except when only the final
    /// directory fsync failed (the error says so).
    pub fn append(
        &mut self,
        operator: &str,
        host: &str,
        kind: Kind,
        step: Option<&str>,
        data: serde_json::Value,
    ) -> Result<Record> {
        self.append_at(chrono::Utc::now(), operator, host, kind, step, data)
    }

    /// [`Writer::append`] with the record's time given (the time the core decided the event),
    /// so that replaying the journal rebuilds exactly the state the live run had.
    pub fn append_at(
        &mut self,
        at: chrono::DateTime<chrono::Utc>,
        operator: &str,
        host: &str,
        kind: Kind,
        step: Option<&str>,
        data: serde_json::Value,
    ) -> Result<Record> {
        if self.poisoned {
            bail!(
                "journal {} is in an unknown state after a failed write; restart flightdeck to resume (it sets a torn tail aside)",
                self.path.display()
            );
        }
        if !data.is_object() {
            bail!("`{kind}` record data must be a JSON object, got {data}");
        }
        let record = Record {
            seq: self.count,
            ts: at.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
            operator: operator.to_owned(),
            host: host.to_owned(),
            kind,
            step: step.map(str::to_owned),
            data,
            prev: self.last_hash.clone(),
        };
        let line = serde_json::to_string(&record).wrap_err("cannot serialize a journal record")?;
        let mut bytes = Vec::with_capacity(line.len() + 1);
        bytes.extend_from_slice(line.as_bytes());
        bytes.push(b'\n');
        if let Err(e) = self
            .file
            .write_all(&bytes)
            .and_then(|()| self.file.sync_data())
        {
            self.undo()?;
            bail!(
                "cannot append to journal {}: {e}; the record was not written (is the disk full?)",
                self.path.display()
            );
        }
        let hash = self.hasher.hash(line.as_bytes());
        let head = Head::new(self.count + 1, hash.clone());
        let head_result = head.write_atomic(&self.dir, &self.head_path);
        if let Err(HeadError::NotWritten(e)) = head_result {
            self.undo()?;
            return Err(e.wrap_err(format!(
                "the record was not written to {}: its head file could not be updated",
                self.path.display()
            )));
        }
        self.len += bytes.len() as u64;
        self.count += 1;
        self.last_hash = hash;
        if let Err(HeadError::DirNotSynced(e)) = head_result {
            return Err(e.wrap_err(format!(
                "record {} was written to {}, but its directory could not be fsynced",
                record.seq,
                self.path.display()
            )));
        }
        Ok(record)
    }

    /// Cuts the file back to the last complete record after a failed append.
    fn undo(&mut self) -> Result<()> {
        self.file.set_len(self.len).and_then(|()| self.file.sync_data()).map_err(|e| {
            self.poisoned = true;
            eyre!(
                "cannot cut journal {} back after a failed write: {e}; restart flightdeck to resume",
                self.path.display()
            )
        })
    }

    /// Hash of the last line (the release id's hash before the first record).
    pub fn last_hash(&self) -> &str {
        &self.last_hash
    }

    /// Number of records in the journal.
    pub fn count(&self) -> u64 {
        self.count
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The state dir this journal lives in.
    pub fn state_dir(&self) -> &StateDir {
        &self.dir
    }

    pub fn release_id(&self) -> &str {
        &self.release_id
    }
}

fn open_append(path: &Path) -> Result<File> {
    OpenOptions::new()
        .append(true)
        .open(path)
        .wrap_err_with(|| format!("cannot open journal {} for appending", path.display()))
}

/// Moves the last `torn` bytes of the journal to `<id>.torn-<unix_ms>` and truncates it.
fn set_aside_torn(dir: &StateDir, path: &Path, release_id: &str, torn: usize) -> Result<PathBuf> {
    let buf = std::fs::read(path).wrap_err_with(|| format!("cannot read {}", path.display()))?;
    let keep = buf.len().saturating_sub(torn);
    let ms = chrono::Utc::now().timestamp_millis();
    let aside = dir.journal_dir().join(format!("{release_id}.torn-{ms}"));
    let mut file = dir.create_file(&aside, true)?;
    file.write_all(&buf[keep..])
        .and_then(|()| file.sync_all())
        .wrap_err_with(|| format!("cannot write {}; is the disk full?", aside.display()))?;
    OpenOptions::new()
        .write(true)
        .open(path)
        .and_then(|f| f.set_len(keep as u64).and_then(|()| f.sync_all()))
        .wrap_err_with(|| format!("cannot cut the torn tail off {}", path.display()))?;
    sync_parent(path)?;
    Ok(aside)
}
