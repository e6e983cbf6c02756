//! Appending records: a batch of JSON lines, one fsync, then the head file rewritten atomically.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use color_eyre::eyre::{Result, WrapErr, bail, eyre};

use super::hash::Hasher;
use super::head::{Head, HeadError, sync_parent};
use super::reader::{ReadOutcome, read};
use super::record::{Kind, Record};
use super::state_dir::StateDir;
use super::verify::verify;

/// One record to append: what the caller decides. The writer adds `seq` and `prev`.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// The time the core decided the event (the record's `ts`, in milliseconds).
    pub at: DateTime<Utc>,
    pub operator: String,
    pub host: String,
    pub kind: Kind,
    pub step: Option<String>,
    /// Details; must be a JSON object.
    pub data: serde_json::Value,
}

/// Why [`Writer::try_append_batch`] failed, and whether the batch is in the journal anyway.
#[derive(Debug)]
pub(super) enum BatchError {
    /// Nothing of the batch is in the journal (or the writer is poisoned: see the message).
    NotWritten(color_eyre::Report),
    /// The records are written and fsynced and the head is in place, but the directory fsync
    /// failed.
    DirNotSynced(Vec<Record>, color_eyre::Report),
}

impl BatchError {
    pub(super) fn into_report(self) -> color_eyre::Report {
        match self {
            BatchError::NotWritten(e) | BatchError::DirNotSynced(_, e) => e,
        }
    }
}

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
        // Brings a head left behind by a crash (by any number of chained records) up to date.
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
        self.append_at(Utc::now(), operator, host, kind, step, data)
    }

    /// [`Writer::append`] with the record's time given (the time the core decided the event),
    /// so that replaying the journal rebuilds exactly the state the live run had. A batch of one.
    pub fn append_at(
        &mut self,
        at: DateTime<Utc>,
        operator: &str,
        host: &str,
        kind: Kind,
        step: Option<&str>,
        data: serde_json::Value,
    ) -> Result<Record> {
        let entry = Entry {
            at,
            operator: operator.to_owned(),
            host: host.to_owned(),
            kind,
            step: step.map(str::to_owned),
            data,
        };
        self.append_batch(std::slice::from_ref(&entry))?
            .pop()
            .ok_or_else(|| eyre!("a batch of one record wrote no record"))
    }

    /// Appends `entries` as consecutive records (group commit): one write, one `sync_data`,
    /// then one head-file rewrite for the whole batch. On error nothing of the batch is in the
    /// journal and the chain is unchanged, except when only the final directory fsync failed
    /// (the error says so; the records are then written). An empty batch writes nothing.
    pub fn append_batch(&mut self, entries: &[Entry]) -> Result<Vec<Record>> {
        self.try_append_batch(entries)
            .map_err(BatchError::into_report)
    }

    /// [`Writer::append_batch`], saying whether a failed batch is in the journal anyway.
    pub(super) fn try_append_batch(
        &mut self,
        entries: &[Entry],
    ) -> std::result::Result<Vec<Record>, BatchError> {
        if self.poisoned {
            return Err(BatchError::NotWritten(eyre!(
                "journal {} is in an unknown state after a failed write; restart flightdeck to resume (it sets a torn tail aside)",
                self.path.display()
            )));
        }
        if let Some(e) = entries.iter().find(|e| !e.data.is_object()) {
            return Err(BatchError::NotWritten(eyre!(
                "`{}` record data must be a JSON object, got {}",
                e.kind,
                e.data
            )));
        }
        if entries.is_empty() {
            return Ok(Vec::new());
        }
        let (records, bytes, hash) = self.serialize(entries).map_err(BatchError::NotWritten)?;
        let what = match records.len() {
            1 => "the record was not".to_owned(),
            n => format!("none of the {n} records was"),
        };
        if let Err(e) = self
            .file
            .write_all(&bytes)
            .and_then(|()| self.file.sync_data())
        {
            self.undo().map_err(BatchError::NotWritten)?;
            return Err(BatchError::NotWritten(eyre!(
                "cannot append to journal {}: {e}; {what} written (is the disk full?)",
                self.path.display()
            )));
        }
        let count = self.count + records.len() as u64;
        let head_result = Head::new(count, hash.clone()).write_atomic(&self.dir, &self.head_path);
        if let Err(HeadError::NotWritten(e)) = head_result {
            self.undo().map_err(BatchError::NotWritten)?;
            return Err(BatchError::NotWritten(e.wrap_err(format!(
                "{what} written to {}: its head file could not be updated",
                self.path.display()
            ))));
        }
        self.len += bytes.len() as u64;
        self.count = count;
        self.last_hash = hash;
        if let Err(HeadError::DirNotSynced(e)) = head_result {
            let seqs = match (records.first(), records.last()) {
                (Some(a), Some(b)) if a.seq != b.seq => format!("records {}–{} were", a.seq, b.seq),
                _ => format!("record {} was", self.count - 1),
            };
            let e = e.wrap_err(format!(
                "{seqs} written to {}, but its directory could not be fsynced",
                self.path.display()
            ));
            return Err(BatchError::DirNotSynced(records, e));
        }
        Ok(records)
    }

    /// The records `entries` become after the last one, their lines (each with its newline)
    /// and the hash of the last line.
    fn serialize(&self, entries: &[Entry]) -> Result<(Vec<Record>, Vec<u8>, String)> {
        let mut records = Vec::with_capacity(entries.len());
        let mut bytes = Vec::new();
        let mut hash = self.last_hash.clone();
        for (seq, entry) in (self.count..).zip(entries) {
            let record = Record {
                seq,
                ts: entry.at.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
                operator: entry.operator.clone(),
                host: entry.host.clone(),
                kind: entry.kind,
                step: entry.step.clone(),
                data: entry.data.clone(),
                prev: std::mem::take(&mut hash),
            };
            let start = bytes.len();
            serde_json::to_writer(&mut bytes, &record)
                .wrap_err("cannot serialize a journal record")?;
            hash = self.hasher.hash(&bytes[start..]);
            bytes.push(b'\n');
            records.push(record);
        }
        Ok((records, bytes, hash))
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
