//! One container's follow stream: read frames, reassemble lines, mask, batch, send. Lines are
//! compared with the wall clock; when the newest is more than `max_lag` old (the consumer or
//! the reader fell behind), the stream is dropped and reopened with a short `tail`, and a
//! visible `… about N lines skipped …` marker (N estimated from the timestamps) goes first.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use bollard::query_parameters::LogsOptions;
use chrono::{DateTime, Utc};
use futures::StreamExt;
use tokio::sync::mpsc;

use super::docker::connect;
use super::logs::{LogMsg, StreamOpts};
use super::logs_frame::{Assembler, RawLine};
use crate::logs::{LogLine, Masker};
use crate::runbook::DockerHost;

/// Bytes of frames read before a batch is sent anyway.
const BATCH_BYTES: usize = 512 * 1024;
/// How long a batch gathers lines after its first one.
const BATCH_WINDOW: std::time::Duration = std::time::Duration::from_millis(25);

pub(crate) struct Task {
    pub host: DockerHost,
    pub id: String,
    pub source: String,
    pub masker: Masker,
    pub tx: mpsc::Sender<LogMsg>,
    pub opts: StreamOpts,
    pub last: Arc<AtomicI64>,
}

/// Why one opened stream stopped.
enum Stop {
    /// The container stopped, the stream broke, or the receiver went away.
    Ended,
    /// Too far behind: about this many lines were not read.
    Lagging(u64),
}

fn nanos(t: DateTime<Utc>) -> i64 {
    t.timestamp_nanos_opt().unwrap_or(i64::MAX)
}

impl Task {
    pub async fn run(self) {
        let Ok(docker) = connect(&self.host).await else {
            return;
        };
        let mut tail = self.opts.tail;
        loop {
            let opts = LogsOptions {
                follow: true,
                stdout: true,
                stderr: true,
                timestamps: true,
                tail: tail.to_string(),
                ..LogsOptions::default()
            };
            let stream = docker.logs(&self.id, Some(opts));
            match self.follow(stream).await {
                Stop::Ended => return,
                Stop::Lagging(n) => {
                    let now = Utc::now();
                    let text = format!("… about {n} lines skipped to stay live …");
                    let msg = LogMsg {
                        source: self.source.clone(),
                        lines: vec![LogLine::marker(text, Some(now))],
                    };
                    if self.tx.send(msg).await.is_err() {
                        return;
                    }
                    tail = self.opts.skip_tail;
                }
            }
        }
    }

    async fn follow<S>(&self, stream: S) -> Stop
    where
        S: futures::Stream<Item = Result<bollard::container::LogOutput, bollard::errors::Error>>,
    {
        let opened = nanos(Utc::now());
        let max_lag = i64::try_from(self.opts.max_lag.as_nanos()).unwrap_or(i64::MAX);
        let mut stream = std::pin::pin!(stream);
        let mut asm = Assembler::default();
        let mut raw: Vec<RawLine> = Vec::new();
        loop {
            let Some(Ok(first)) = stream.next().await else {
                asm.finish(&mut raw);
                self.send(&mut raw).await;
                return Stop::Ended;
            };
            asm.frame(first.as_ref(), &mut raw);
            let mut bytes = first.as_ref().len();
            // Gather what comes within a short window: one batch, one message, one wake-up
            // of the UI (a few per second per stream, not one per line).
            let window = tokio::time::Instant::now() + BATCH_WINDOW;
            let mut ended = false;
            while raw.len() < self.opts.batch && bytes < BATCH_BYTES {
                match tokio::time::timeout_at(window, stream.next()).await {
                    Ok(Some(Ok(f))) => {
                        bytes += f.as_ref().len();
                        asm.frame(f.as_ref(), &mut raw);
                    }
                    Ok(_) => {
                        ended = true;
                        break;
                    }
                    Err(_) => break,
                }
            }
            let now = nanos(Utc::now());
            let newest = raw.iter().rev().find_map(|l| l.ts).map(nanos);
            if let Some(t) = newest
                && t >= opened
                && now - t > max_lag
            {
                return Stop::Lagging(self.estimate(&raw, now));
            }
            if ended {
                asm.finish(&mut raw);
            }
            if !self.send(&mut raw).await || ended {
                return Stop::Ended;
            }
        }
    }

    /// Lines between the last one shown and now, at the rate the batch's timestamps show,
    /// less the `skip_tail` lines the reopened stream will show.
    fn estimate(&self, batch: &[RawLine], now: i64) -> u64 {
        let ts: Vec<i64> = batch.iter().filter_map(|l| l.ts).map(nanos).collect();
        let (Some(&a), Some(&b)) = (ts.first(), ts.last()) else {
            return batch.len() as u64;
        };
        let shown = self.last.load(Ordering::Relaxed).max(a);
        let span = (b - a).max(1_000_000);
        #[allow(clippy::cast_precision_loss)]
        let rate = ts.len() as f64 / span as f64;
        #[allow(clippy::cast_precision_loss, clippy::cast_possible_truncation)]
        #[allow(clippy::cast_sign_loss)]
        let behind = (rate * (now - shown) as f64) as u64;
        behind
            .max(batch.len() as u64)
            .saturating_sub(self.opts.skip_tail as u64)
            .max(1)
    }

    /// Mask and send the batch (lines older than the last one sent are dropped: a reopened
    /// stream's tail). False when the receiver is gone.
    async fn send(&self, raw: &mut Vec<RawLine>) -> bool {
        if raw.is_empty() {
            return true;
        }
        let mut last = self.last.load(Ordering::Relaxed);
        let mut lines = Vec::with_capacity(raw.len());
        for l in raw.drain(..) {
            if let Some(t) = l.ts.map(nanos) {
                if t <= last {
                    continue;
                }
                last = t;
            }
            lines.push(LogLine::from_parts(&l.bytes, l.cut, l.ts, &self.masker));
        }
        self.last.store(last, Ordering::Relaxed);
        if lines.is_empty() {
            return true;
        }
        let msg = LogMsg {
            source: self.source.clone(),
            lines,
        };
        self.tx.send(msg).await.is_ok()
    }
}
