//! Group commit off the UI thread: a `journal` OS thread owns the [`Writer`] and batches appends.
//!
//! The caller [`Committer::submit`]s entries (never blocking on disk) and learns from [`Ack`]s,
//! in submission order, when they are durable. While one batch's fsyncs run, new entries queue
//! and go into the next batch together: one write, one `sync_data` and one head-file rewrite
//! for all of them (DESIGN §2.1). A crash mid-batch leaves a torn tail, or a head file behind by
//! the batch's records, both of which `verify` and [`Writer::open_existing`] accept.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, Sender, TryRecvError};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;

use color_eyre::eyre::{Result, eyre};
use tokio::sync::mpsc::UnboundedSender;

use super::record::Record;
use super::state_dir::StateDir;
use super::writer::{BatchError, Entry, Writer};

/// At most this many entries go into one batch.
pub const MAX_BATCH_ENTRIES: usize = 1_000;
/// A batch is closed once its entries' data reach this many bytes (an estimate of the lines).
pub const MAX_BATCH_BYTES: usize = 4 << 20;

/// What the journal thread tells the caller, in submission order.
#[derive(Debug, Clone, PartialEq)]
pub enum Ack {
    /// Every entry with token <= upto is durable; `records` are those entries as written, in order.
    Durable { upto: u64, records: Vec<Record> },
    /// The batch holding these tokens failed; nothing from `first` on is in the journal; the
    /// committer refuses everything after.
    Failed { first: u64, error: String },
}

/// One queued entry and its token.
#[derive(Debug)]
struct Job {
    token: u64,
    entry: Entry,
}

/// The handle of the journal thread. Submitting only queues; the thread writes. Dropping it
/// without [`Committer::close`] lets the thread finish the queue detached, which a process
/// exit may cut short: close it.
#[derive(Debug)]
pub struct Committer {
    /// The last token given out; held while sending, so tokens reach the thread in order.
    jobs: Mutex<(u64, Sender<Job>)>,
    acks: UnboundedSender<Ack>,
    thread: JoinHandle<Result<Writer>>,
    batches: Arc<AtomicU64>,
    release_id: String,
    dir: StateDir,
    path: PathBuf,
}

impl Committer {
    /// Starts the `journal` thread, which owns `writer` until [`Committer::close`].
    pub fn spawn(writer: Writer, acks: UnboundedSender<Ack>) -> Committer {
        let (tx, rx) = mpsc::channel();
        let batches = Arc::new(AtomicU64::new(0));
        let release_id = writer.release_id().to_owned();
        let dir = writer.state_dir().clone();
        let path = writer.path().to_owned();
        let thread = {
            let (acks, batches) = (acks.clone(), Arc::clone(&batches));
            std::thread::Builder::new()
                .name("journal".into())
                .spawn(move || run(writer, &rx, &acks, &batches))
                .expect("cannot start the journal thread")
        };
        Committer {
            jobs: Mutex::new((0, tx)),
            acks,
            thread,
            batches,
            release_id,
            dir,
            path,
        }
    }

    /// Queue one entry; returns its token (1, 2, 3, … in submission order). Never blocks on disk.
    pub fn submit(&self, entry: Entry) -> u64 {
        let mut jobs = self.jobs.lock().unwrap_or_else(PoisonError::into_inner);
        jobs.0 += 1;
        let token = jobs.0;
        if jobs.1.send(Job { token, entry }).is_err() {
            // Only a panicked thread stops taking jobs before `close`.
            let _ = self.acks.send(Ack::Failed {
                first: token,
                error: format!(
                    "the journal thread of {} has stopped; nothing more can be written",
                    self.path.display()
                ),
            });
        }
        token
    }

    /// Stop after writing everything queued; returns the Writer (for later synchronous use) or
    /// the error.
    pub fn close(self) -> Result<Writer> {
        let (_, tx) = self
            .jobs
            .into_inner()
            .unwrap_or_else(PoisonError::into_inner);
        drop(tx);
        self.thread
            .join()
            .map_err(|_| eyre!("the journal thread of {} panicked", self.path.display()))?
    }

    /// Batches written so far (each one write, one fsync and one head rewrite).
    pub fn batches(&self) -> u64 {
        self.batches.load(Ordering::Relaxed)
    }

    pub fn release_id(&self) -> &str {
        &self.release_id
    }

    pub fn state_dir(&self) -> &StateDir {
        &self.dir
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// The journal thread: block for a job, drain what else is queued, write it as one batch, ack.
/// Ends when the [`Committer`] is closed (or dropped) and the queue is empty.
fn run(
    mut writer: Writer,
    jobs: &Receiver<Job>,
    acks: &UnboundedSender<Ack>,
    batches: &AtomicU64,
) -> Result<Writer> {
    let mut failed: Option<String> = None;
    let mut carry: Option<Job> = None;
    while let Some(first) = carry.take().or_else(|| jobs.recv().ok()) {
        let first_token = first.token;
        let (entries, next) = drain(first, jobs);
        carry = next;
        let upto = first_token + entries.len() as u64 - 1;
        if let Some(error) = &failed {
            let error = error.clone();
            let _ = acks.send(Ack::Failed {
                first: first_token,
                error,
            });
            continue;
        }
        // A closed receiver only means nobody listens: the journal is still written.
        match writer.try_append_batch(&entries) {
            Ok(records) => {
                batches.fetch_add(1, Ordering::Relaxed);
                let _ = acks.send(Ack::Durable { upto, records });
            }
            Err(BatchError::NotWritten(e)) => {
                let error = format!("{e:#}");
                let _ = acks.send(Ack::Failed {
                    first: first_token,
                    error: error.clone(),
                });
                failed = Some(error);
            }
            Err(BatchError::DirNotSynced(records, e)) => {
                // The records are fsynced and named by the head: durable. The disk is not
                // trusted with more.
                batches.fetch_add(1, Ordering::Relaxed);
                let _ = acks.send(Ack::Durable { upto, records });
                failed = Some(format!("{e:#}; no later record was written"));
            }
        }
    }
    match failed {
        Some(error) => Err(eyre!(error)),
        None => Ok(writer),
    }
}

/// `first` and the jobs already queued behind it, up to the batch limits; the job that did not
/// fit (if any) starts the next batch.
fn drain(first: Job, jobs: &Receiver<Job>) -> (Vec<Entry>, Option<Job>) {
    let mut bytes = entry_bytes(&first.entry);
    let mut next_token = first.token + 1;
    let mut entries = vec![first.entry];
    while entries.len() < MAX_BATCH_ENTRIES && bytes < MAX_BATCH_BYTES {
        match jobs.try_recv() {
            Ok(job) => {
                debug_assert_eq!(job.token, next_token, "tokens arrive in order");
                next_token += 1;
                let size = entry_bytes(&job.entry);
                if bytes + size > MAX_BATCH_BYTES {
                    return (entries, Some(job));
                }
                bytes += size;
                entries.push(job.entry);
            }
            Err(TryRecvError::Empty | TryRecvError::Disconnected) => break,
        }
    }
    (entries, None)
}

/// About the bytes `entry` takes in the journal (its data serialized, plus the fixed fields).
fn entry_bytes(entry: &Entry) -> usize {
    struct Count(usize);
    impl io::Write for Count {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0 += buf.len();
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }
    let mut count = Count(0);
    let _ = serde_json::to_writer(&mut count, &entry.data);
    count.0
        + entry.operator.len()
        + entry.host.len()
        + entry.step.as_ref().map_or(0, String::len)
        + 200
}
