//! One container's follow stream: read frames, reassemble lines, mask, batch, send. Lines are
//! compared with the wall clock; when the newest is more than `max_lag` old (the consumer or
//! the reader fell behind), the stream is dropped and reopened with a short `tail`, and a
//! visible `… about N lines skipped …` marker (N estimated from the timestamps) goes first.
//! A stream that ends (its container stopped) or fails (to connect, or mid-read) says so with
//! a marker line in its source and is reopened after a backoff (`logs_retry`), following again
//! from the last line's time (`since`) so no line is shown twice; a removed container's stream
//! stops for good.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use bollard::query_parameters::LogsOptions;
use chrono::{DateTime, Utc};
use futures::StreamExt;
use tokio::sync::mpsc;

use super::docker::{connect, describe};
use super::logs::{LogMsg, StreamOpts};
use super::logs_frame::{Assembler, RawLine};
use super::logs_retry::{self, Backoff};
use crate::logs::{LogLine, Masker};
use crate::runbook::DockerHost;

/// Bytes of frames read before a batch is sent anyway.
const BATCH_BYTES: usize = 512 * 1024;
/// How long a batch gathers lines after its first one: a stream logging a few lines a second
/// sends one message per line or two, not one per line (100 containers at 20 lines/s are 2,000
/// messages a second at 25 ms, about 800 at 100 ms); the pane draws a scrolling source a few
/// times a second anyway (`ui::throttle`).
const BATCH_WINDOW: std::time::Duration = std::time::Duration::from_millis(100);

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
    /// The stream ended: the container stopped, or the daemon closed it.
    Ended,
    /// The stream could not be opened or broke.
    Failed(bollard::errors::Error),
    /// The receiver went away.
    Closed,
    /// Too far behind: about this many lines were not read.
    Lagging(u64),
}

/// What to do after a stream stopped.
enum Next {
    /// Reopen it after this delay (following from the last line shown).
    Retry(std::time::Duration),
    /// Never again: the container was removed, or the receiver went away.
    Done,
}

fn nanos(t: DateTime<Utc>) -> i64 {
    t.timestamp_nanos_opt().unwrap_or(i64::MAX)
}

/// A 404: the container is gone.
fn not_found(e: &bollard::errors::Error) -> bool {
    matches!(
        e,
        bollard::errors::Error::DockerResponseServerError {
            status_code: 404,
            ..
        }
    )
}

impl Task {
    pub async fn run(self) {
        let mut docker = None;
        let mut backoff = Backoff::default();
        // The reason of the last marker shown: a stream that keeps failing the same way says
        // so once.
        let mut said: Option<String> = None;
        let mut tail = self.opts.tail;
        // Follow from the last line shown (a reopened stream; a new stream of a container
        // whose earlier lines were shown), not from a `tail`.
        let mut resume = true;
        loop {
            let d = match &docker {
                Some(d) => Ok(d),
                None => match connect(&self.host).await {
                    Ok(d) => Ok(&*docker.insert(d)),
                    Err(e) => Err(e),
                },
            };
            let (stop, worked) = match d {
                Ok(d) => {
                    let stream = d.logs(&self.id, Some(self.options(tail, resume)));
                    let opened = tokio::time::Instant::now();
                    let mut shown = false;
                    let stop = self.follow(stream, &mut shown).await;
                    // A stream worked when it showed a line or stayed open a while.
                    (stop, shown || opened.elapsed() >= logs_retry::MAX)
                }
                Err(e) => {
                    let delay = backoff.next_delay();
                    if !self.say(&mut said, &e, logs_retry::failed(&e, delay)).await {
                        return;
                    }
                    tokio::time::sleep(delay).await;
                    continue;
                }
            };
            if worked {
                backoff.reset();
                said = None;
            }
            resume = true;
            let next = match stop {
                Stop::Closed => Next::Done,
                Stop::Lagging(n) => {
                    let text = format!("… about {n} lines skipped to stay live …");
                    if !self.marker(text).await {
                        return;
                    }
                    tail = self.opts.skip_tail;
                    resume = false;
                    continue;
                }
                Stop::Ended => match docker.as_ref() {
                    Some(d) => self.ended(d, &mut backoff, &mut said).await,
                    None => Next::Done,
                },
                Stop::Failed(e) => self.failed(&e, &mut backoff, &mut said).await,
            };
            match next {
                Next::Retry(delay) => tokio::time::sleep(delay).await,
                Next::Done => return,
            }
        }
    }

    /// Follow with timestamps: from the last line shown when `resume` and there is one,
    /// else the last `tail` lines.
    fn options(&self, tail: usize, resume: bool) -> LogsOptions {
        let last = self.last.load(Ordering::Relaxed);
        let (since, tail) = if resume && last > 0 {
            // Whole seconds: the lines of that second already shown are dropped by `send`.
            let secs = last.div_euclid(1_000_000_000);
            (i32::try_from(secs).unwrap_or(i32::MAX), "all".to_owned())
        } else {
            (0, tail.to_string())
        };
        LogsOptions {
            follow: true,
            stdout: true,
            stderr: true,
            timestamps: true,
            since,
            tail,
            ..LogsOptions::default()
        }
    }

    /// The stream ended: why (the container's state), said once; retry unless removed.
    async fn ended(
        &self,
        d: &bollard::Docker,
        backoff: &mut Backoff,
        said: &mut Option<String>,
    ) -> Next {
        let reason = match d.inspect_container(&self.id, None).await {
            Err(e) if not_found(&e) => {
                self.marker(logs_retry::removed()).await;
                return Next::Done;
            }
            Err(e) => format!("cannot inspect the container: {}", describe(&e)),
            Ok(c) => {
                let st = c.state.unwrap_or_default();
                match (st.status, st.exit_code) {
                    (Some(bollard::models::ContainerStateStatusEnum::RUNNING), _) => {
                        "the daemon closed it".to_owned()
                    }
                    (Some(bollard::models::ContainerStateStatusEnum::EXITED), Some(code)) => {
                        format!("the container exited (code {code})")
                    }
                    (Some(s), _) => format!("the container is {s}"),
                    (None, _) => "the container stopped".to_owned(),
                }
            }
        };
        if self.say(said, &reason, logs_retry::ended(&reason)).await {
            Next::Retry(backoff.next_delay())
        } else {
            Next::Done
        }
    }

    /// The stream failed: said once per reason; retry unless the container is gone.
    async fn failed(
        &self,
        e: &bollard::errors::Error,
        backoff: &mut Backoff,
        said: &mut Option<String>,
    ) -> Next {
        if not_found(e) {
            self.marker(logs_retry::removed()).await;
            return Next::Done;
        }
        let reason = describe(e);
        let delay = backoff.next_delay();
        if self
            .say(said, &reason, logs_retry::failed(&reason, delay))
            .await
        {
            Next::Retry(delay)
        } else {
            Next::Done
        }
    }

    /// Send `text` unless `reason` was the last said. False when the receiver is gone.
    async fn say(&self, said: &mut Option<String>, reason: &str, text: String) -> bool {
        if said.as_deref() == Some(reason) {
            return true;
        }
        *said = Some(reason.to_owned());
        self.marker(text).await
    }

    /// Send one marker line, timed now. False when the receiver is gone.
    async fn marker(&self, text: String) -> bool {
        let msg = LogMsg {
            source: self.source.clone(),
            lines: vec![LogLine::marker(text, Some(Utc::now()))],
        };
        self.tx.send(msg).await.is_ok()
    }

    /// Read `stream` until it stops; `shown` is set once a line was sent.
    async fn follow<S>(&self, stream: S, shown: &mut bool) -> Stop
    where
        S: futures::Stream<Item = Result<bollard::container::LogOutput, bollard::errors::Error>>,
    {
        let opened = nanos(Utc::now());
        let max_lag = i64::try_from(self.opts.max_lag.as_nanos()).unwrap_or(i64::MAX);
        let mut stream = std::pin::pin!(stream);
        let mut asm = Assembler::default();
        let mut raw: Vec<RawLine> = Vec::new();
        loop {
            let first = match stream.next().await {
                Some(Ok(f)) => f,
                end => {
                    asm.finish(&mut raw);
                    if !self.send(&mut raw, shown).await {
                        return Stop::Closed;
                    }
                    return match end {
                        Some(Err(e)) => Stop::Failed(e),
                        _ => Stop::Ended,
                    };
                }
            };
            asm.frame(first.as_ref(), &mut raw);
            let mut bytes = first.as_ref().len();
            // Gather what comes within a short window: one batch, one message, one wake-up
            // of the UI (a few per second per stream, not one per line).
            let window = tokio::time::Instant::now() + BATCH_WINDOW;
            let mut ended = None;
            while raw.len() < self.opts.batch && bytes < BATCH_BYTES {
                match tokio::time::timeout_at(window, stream.next()).await {
                    Ok(Some(Ok(f))) => {
                        bytes += f.as_ref().len();
                        asm.frame(f.as_ref(), &mut raw);
                    }
                    Ok(Some(Err(e))) => {
                        ended = Some(Stop::Failed(e));
                        break;
                    }
                    Ok(None) => {
                        ended = Some(Stop::Ended);
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
            if ended.is_some() {
                asm.finish(&mut raw);
            }
            if !self.send(&mut raw, shown).await {
                return Stop::Closed;
            }
            if let Some(stop) = ended {
                return stop;
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
    /// stream's tail); `shown` is set when a line was sent. False when the receiver is gone.
    async fn send(&self, raw: &mut Vec<RawLine>, shown: &mut bool) -> bool {
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
            lines.push(LogLine::from_bytes(l.bytes, l.cut, l.ts, &self.masker));
        }
        self.last.store(last, Ordering::Relaxed);
        if lines.is_empty() {
            return true;
        }
        *shown = true;
        let msg = LogMsg {
            source: self.source.clone(),
            lines,
        };
        self.tx.send(msg).await.is_ok()
    }
}
