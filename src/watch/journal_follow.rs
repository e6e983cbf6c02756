//! Following a journal file as it grows (for `observe`): inotify (the `notify` crate) says when
//! it changed, and the new complete lines are sent as owned records. A re-read every 5 s covers
//! filesystems that send no events (NFS); without a watcher at all it re-reads every 250 ms.

use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::time::Duration;

use color_eyre::eyre::{Result, WrapErr};
use notify::{RecursiveMode, Watcher};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::journal::Record;

/// The re-read period when file events arrive, and when they cannot be watched.
const SAFETY: Duration = Duration::from_secs(5);
const NO_EVENTS: Duration = Duration::from_millis(250);

/// Reads a journal file from where it left off: complete new records since the last call.
pub struct Tail {
    path: PathBuf,
    offset: u64,
    partial: Vec<u8>,
}

impl Tail {
    pub fn new(path: &Path) -> Tail {
        Tail {
            path: path.to_path_buf(),
            offset: 0,
            partial: Vec::new(),
        }
    }

    /// New complete records (a torn last line waits for the rest).
    pub fn poll(&mut self) -> Result<Vec<Record>> {
        let mut f = std::fs::File::open(&self.path)
            .wrap_err_with(|| format!("cannot open {}", self.path.display()))?;
        let len = f.metadata()?.len();
        if len <= self.offset {
            return Ok(Vec::new());
        }
        f.seek(SeekFrom::Start(self.offset))?;
        let mut buf = Vec::new();
        f.take(len - self.offset).read_to_end(&mut buf)?;
        self.offset = len;
        self.partial.extend_from_slice(&buf);
        let mut out = Vec::new();
        while let Some(nl) = self.partial.iter().position(|b| *b == b'\n') {
            let line: Vec<u8> = self.partial.drain(..=nl).collect();
            if let Ok(r) = serde_json::from_slice::<Record>(&line[..line.len() - 1]) {
                out.push(r);
            }
        }
        Ok(out)
    }
}

/// The running follower; dropping it stops the task and the file watch.
pub struct Follower {
    task: JoinHandle<()>,
    _watcher: Option<notify::RecommendedWatcher>,
    /// Whether file events drive it (false: it re-reads every 250 ms).
    pub evented: bool,
}

impl Drop for Follower {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Follow `tail`'s file: every batch of new records goes to `tx` (a read error ends it with an
/// `Err` message naming the file).
pub fn spawn(mut tail: Tail, tx: mpsc::UnboundedSender<Result<Vec<Record>, String>>) -> Follower {
    let (wtx, mut changed) = mpsc::unbounded_channel::<()>();
    let watcher = notify::recommended_watcher(move |ev: notify::Result<notify::Event>| {
        if ev.is_ok() {
            let _ = wtx.send(());
        }
    })
    .and_then(|mut w| w.watch(&tail.path, RecursiveMode::NonRecursive).map(|()| w))
    .ok();
    let evented = watcher.is_some();
    let every = if evented { SAFETY } else { NO_EVENTS };
    let task = tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                Some(()) = changed.recv() => {
                    // A burst of appends is one read.
                    while changed.try_recv().is_ok() {}
                }
                _ = tick.tick() => {}
            }
            let sent = match tail.poll() {
                Ok(records) if records.is_empty() => true,
                Ok(records) => tx.send(Ok(records)).is_ok(),
                Err(e) => {
                    let _ = tx.send(Err(format!("{e:#}")));
                    return;
                }
            };
            if !sent {
                return;
            }
        }
    });
    Follower {
        task,
        _watcher: watcher,
        evented,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::journal::hash::Hasher;
    use crate::journal::{Kind, StateDir, Writer};

    #[tokio::test]
    async fn appended_records_arrive_on_the_file_event_not_the_safety_reread() {
        let dir = tempfile::tempdir().unwrap();
        let state = StateDir::new(dir.path());
        let mut w = Writer::create(&state, "app-1-20261125T000000Z", Hasher::plain()).unwrap();
        w.append(
            "alice",
            "host",
            Kind::Note,
            None,
            serde_json::json!({"text": "first"}),
        )
        .unwrap();
        let mut tail = Tail::new(w.path());
        assert_eq!(tail.poll().unwrap().len(), 1, "the existing record");
        let (tx, mut rx) = mpsc::unbounded_channel();
        let f = spawn(tail, tx);
        assert!(f.evented, "inotify watches the journal");
        // Past the interval's immediate first tick, then append: only the file event can bring
        // it within a second (the next re-read is 5 s away).
        tokio::time::sleep(Duration::from_millis(300)).await;
        w.append(
            "alice",
            "host",
            Kind::Note,
            None,
            serde_json::json!({"text": "second"}),
        )
        .unwrap();
        let got = tokio::time::timeout(Duration::from_secs(1), rx.recv())
            .await
            .expect("the append arrives within a second")
            .unwrap()
            .unwrap();
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].data["text"], "second");
    }

    #[test]
    fn a_torn_last_line_waits_for_the_rest() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.jsonl");
        let line = r#"{"seq":0,"ts":"2026-11-25T00:00:00.000Z","operator":"a","host":"h","kind":"note","step":null,"data":{"text":"x"},"prev":"00"}"#;
        std::fs::write(&path, &line[..40]).unwrap();
        let mut tail = Tail::new(&path);
        assert!(tail.poll().unwrap().is_empty());
        std::fs::write(&path, format!("{line}\n")).unwrap();
        let got = tail.poll().unwrap();
        assert_eq!(got.len(), 1, "the rest completes the record");
    }
}
