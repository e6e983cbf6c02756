//! The `run` step executor: `sh -c` in its own process group, streamed and batched output,
//! timeout and cancel (SIGTERM to the group, then SIGKILL after a grace period), captures.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;
use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::process::Command;
use tokio::sync::{mpsc, oneshot};

use crate::journal::OutputBatcher;
use crate::release::{Msg, Outcome, Phase};
use crate::runbook::Capture;
use crate::runbook::duration::instant_after;

/// Lines longer than this are truncated with a mark.
pub const MAX_LINE: usize = 64 * 1024;
/// How long a process group gets between SIGTERM and SIGKILL.
pub const GRACE: Duration = Duration::from_secs(5);

/// What to run.
#[derive(Debug, Clone)]
pub struct RunSpec {
    pub phase: Phase,
    pub step: String,
    pub command: String,
    pub workdir: PathBuf,
    pub env: Vec<(String, String)>,
    pub timeout: Option<Duration>,
    pub grace: Duration,
    pub captures: Vec<Capture>,
}

/// Cancels the step it was returned for.
#[derive(Debug)]
pub struct Handle {
    cancel: Option<oneshot::Sender<()>>,
    /// For executors that can be steered while they run (a watch).
    control: Option<mpsc::UnboundedSender<crate::release::effect::Control>>,
}

impl Handle {
    /// A handle for another executor, and the receiver it listens on for the cancel.
    pub fn pair() -> (Handle, oneshot::Receiver<()>) {
        let (tx, rx) = oneshot::channel();
        (
            Handle {
                cancel: Some(tx),
                control: None,
            },
            rx,
        )
    }

    /// The same handle, steerable through `tx`.
    #[must_use]
    pub fn with_control(
        mut self,
        tx: mpsc::UnboundedSender<crate::release::effect::Control>,
    ) -> Handle {
        self.control = Some(tx);
        self
    }

    /// Steer the executor (ignored by executors that cannot be steered).
    pub fn control(&self, c: crate::release::effect::Control) {
        if let Some(tx) = &self.control {
            let _ = tx.send(c);
        }
    }

    pub fn cancel(&mut self) {
        if let Some(tx) = self.cancel.take() {
            let _ = tx.send(());
        }
    }
}

/// Start the command; output batches and the final report arrive on `tx` as [`Msg`]s.
pub fn spawn(spec: RunSpec, tx: mpsc::UnboundedSender<Msg>) -> Handle {
    let (ctx, crx) = oneshot::channel();
    tokio::spawn(run(spec, tx, crx));
    Handle {
        cancel: Some(ctx),
        control: None,
    }
}

/// Cut a raw line to [`MAX_LINE`] bytes with a mark, decoding invalid UTF-8 with U+FFFD.
pub fn clean_line(mut raw: Vec<u8>) -> String {
    while raw.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
        raw.pop();
    }
    if raw.len() > MAX_LINE {
        let cut = raw.len() - MAX_LINE;
        raw.truncate(MAX_LINE);
        let mut s = String::from_utf8_lossy(&raw).into_owned();
        let _ = std::fmt::Write::write_fmt(&mut s, format_args!("…[truncated {cut} bytes]"));
        return s;
    }
    String::from_utf8_lossy(&raw).into_owned()
}

async fn read_lines<R: AsyncRead + Unpin>(
    r: R,
    stream: &'static str,
    tx: mpsc::Sender<(&'static str, String)>,
) {
    let mut r = BufReader::new(r);
    loop {
        let mut buf = Vec::new();
        match r.read_until(b'\n', &mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(_) => {
                if tx.send((stream, clean_line(buf))).await.is_err() {
                    return;
                }
            }
        }
    }
}

#[derive(Clone, Copy)]
enum Stop {
    TimedOut,
    Cancelled,
}

#[allow(clippy::too_many_lines)] // one select loop: output, exit, cancel, timeout, grace
async fn run(spec: RunSpec, tx: mpsc::UnboundedSender<Msg>, mut cancel: oneshot::Receiver<()>) {
    let started = Instant::now();
    let report = |outcome, exit_code, reason: Option<String>, captures| Msg::Finished {
        phase: spec.phase,
        step: spec.step.clone(),
        outcome,
        exit_code,
        reason,
        duration_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        captures,
    };
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg(&spec.command)
        .current_dir(&spec.workdir)
        .envs(spec.env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .kill_on_drop(false);
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => {
            let why = format!("cannot start `sh` in {}: {e}", spec.workdir.display());
            let _ = tx.send(report(Outcome::Failed, None, Some(why), BTreeMap::new()));
            return;
        }
    };
    let pgid = child
        .id()
        .and_then(|p| i32::try_from(p).ok())
        .map(Pid::from_raw);
    let (ltx, mut lrx) = mpsc::channel(1024);
    if let Some(out) = child.stdout.take() {
        tokio::spawn(read_lines(out, "stdout", ltx.clone()));
    }
    if let Some(err) = child.stderr.take() {
        tokio::spawn(read_lines(err, "stderr", ltx.clone()));
    }
    drop(ltx);

    let mut out = Collector::new(&spec, &tx);
    let deadline = spec
        .timeout
        .map(|t| instant_after(tokio::time::Instant::now(), t));
    let mut exit: Option<Option<std::process::ExitStatus>> = None;
    let mut stop: Option<Stop> = None;
    let mut term_sent_at: Option<tokio::time::Instant> = None;
    let mut killed_hard = false;
    let mut lines_open = true;
    let mut cancel_open = true;
    let mut tick = tokio::time::interval(Duration::from_millis(50));
    while exit.is_none() || lines_open {
        tokio::select! {
            line = lrx.recv(), if lines_open => match line {
                Some((stream, l)) => out.push(stream, l),
                None => lines_open = false,
            },
            status = child.wait(), if exit.is_none() => {
                exit = Some(status.ok());
                if stop.is_some() && let Some(p) = pgid {
                    // Stopped on purpose: nothing of its group may survive.
                    let _ = killpg(p, Signal::SIGKILL);
                }
                // Children that keep the pipes open get one second to finish writing.
                let until = tokio::time::Instant::now() + Duration::from_secs(1);
                while lines_open {
                    match tokio::time::timeout_at(until, lrx.recv()).await {
                        Ok(Some((stream, l))) => out.push(stream, l),
                        Ok(None) | Err(_) => lines_open = false,
                    }
                }
            },
            res = &mut cancel, if cancel_open && exit.is_none() && stop.is_none() => {
                cancel_open = false;
                if res.is_ok() {
                    stop = Some(Stop::Cancelled);
                    if let Some(p) = pgid { let _ = killpg(p, Signal::SIGTERM); }
                    term_sent_at = Some(tokio::time::Instant::now());
                }
            },
            () = sleep_until(deadline), if exit.is_none() && stop.is_none() => {
                stop = Some(Stop::TimedOut);
                if let Some(p) = pgid { let _ = killpg(p, Signal::SIGTERM); }
                term_sent_at = Some(tokio::time::Instant::now());
            },
            _ = tick.tick() => {
                out.flush_due();
                if exit.is_none() && !killed_hard
                    && let Some(t) = term_sent_at
                    && t.elapsed() >= spec.grace
                {
                    if let Some(p) = pgid { let _ = killpg(p, Signal::SIGKILL); }
                    killed_hard = true;
                }
            },
        }
    }
    out.flush_all();
    let captures = std::mem::take(&mut out.captures);
    let hard = if killed_hard {
        format!(
            "; it ignored SIGTERM and was killed with SIGKILL after {}",
            humantime::format_duration(spec.grace)
        )
    } else {
        String::new()
    };
    let msg = match (stop, exit.flatten()) {
        (Some(Stop::TimedOut), _) => {
            let t = spec
                .timeout
                .map(|d| humantime::format_duration(d).to_string());
            let why = format!("timed out after {}{hard}", t.unwrap_or_default());
            report(Outcome::TimedOut, None, Some(why), captures)
        }
        (Some(Stop::Cancelled), _) => {
            let why = format!("cancelled by the operator{hard}");
            report(Outcome::Cancelled, None, Some(why), captures)
        }
        (None, Some(status)) => match status.code() {
            Some(0) => report(Outcome::Succeeded, Some(0), None, captures),
            Some(c) => report(
                Outcome::Failed,
                Some(c),
                Some(format!("exit code {c}")),
                captures,
            ),
            None => report(
                Outcome::Failed,
                None,
                Some("killed by a signal".into()),
                captures,
            ),
        },
        (None, None) => report(
            Outcome::Failed,
            None,
            Some("lost the process".into()),
            captures,
        ),
    };
    let _ = tx.send(msg);
}

async fn sleep_until(deadline: Option<tokio::time::Instant>) {
    match deadline {
        Some(d) => tokio::time::sleep_until(d).await,
        None => std::future::pending().await,
    }
}

/// Batches output per stream and scans it for captures.
struct Collector<'a> {
    spec: &'a RunSpec,
    tx: &'a mpsc::UnboundedSender<Msg>,
    stdout: OutputBatcher,
    stderr: OutputBatcher,
    captures: BTreeMap<String, String>,
}

impl<'a> Collector<'a> {
    fn new(spec: &'a RunSpec, tx: &'a mpsc::UnboundedSender<Msg>) -> Self {
        Self {
            spec,
            tx,
            stdout: OutputBatcher::new(),
            stderr: OutputBatcher::new(),
            captures: BTreeMap::new(),
        }
    }

    fn push(&mut self, stream: &'static str, line: String) {
        for c in &self.spec.captures {
            if !self.captures.contains_key(&c.name)
                && let Some(m) = c.regex.captures(&line).and_then(|m| m.get(1))
            {
                self.captures.insert(c.name.clone(), m.as_str().to_owned());
            }
        }
        let b = if stream == "stderr" {
            &mut self.stderr
        } else {
            &mut self.stdout
        };
        if let Some(batch) = b.push(line, Instant::now()) {
            self.send(stream, batch);
        }
    }

    fn send(&self, stream: &str, lines: Vec<String>) {
        if !lines.is_empty() {
            let _ = self.tx.send(Msg::Output {
                phase: self.spec.phase,
                step: self.spec.step.clone(),
                stream: stream.to_owned(),
                lines,
            });
        }
    }

    fn flush_due(&mut self) {
        let now = Instant::now();
        if self.stdout.due(now) {
            let l = self.stdout.take();
            self.send("stdout", l);
        }
        if self.stderr.due(now) {
            let l = self.stderr.take();
            self.send("stderr", l);
        }
    }

    fn flush_all(&mut self) {
        let l = self.stdout.take();
        self.send("stdout", l);
        let l = self.stderr.take();
        self.send("stderr", l);
    }
}
