//! The `run` step executor: `sh -c` in its own process group, streamed and batched output,
//! timeout and cancel (SIGTERM to the group, then SIGKILL after a grace period), captures.

mod collector;

use crate::runbook::duration::instant_after;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;
use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::{mpsc, oneshot};

use crate::release::{Msg, Outcome, Phase};
use crate::runbook::Capture;
use collector::Collector;

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

async fn run(spec: RunSpec, tx: mpsc::UnboundedSender<Msg>, cancel: oneshot::Receiver<()>) {
    let started = Instant::now();
    let (child, lines) = match start(&spec) {
        Ok(c) => c,
        Err(why) => {
            let verdict = (Outcome::Failed, None, Some(why));
            let _ = tx.send(finished(&spec, started, verdict, BTreeMap::new()));
            return;
        }
    };
    let mut sup = Supervisor::new(&spec, &tx, child, lines);
    sup.supervise(cancel).await;
    sup.out.flush_all();
    let captures = std::mem::take(&mut sup.out.captures);
    let verdict = sup.verdict();
    let _ = tx.send(finished(&spec, started, verdict, captures));
}

/// How a step ended: outcome, exit code, reason.
type Verdict = (Outcome, Option<i32>, Option<String>);

/// The final report of the step started at `started`.
fn finished(
    spec: &RunSpec,
    started: Instant,
    (outcome, exit_code, reason): Verdict,
    captures: BTreeMap<String, String>,
) -> Msg {
    Msg::Finished {
        phase: spec.phase,
        step: spec.step.clone(),
        outcome,
        exit_code,
        reason,
        duration_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        captures,
    }
}

/// A line of output and the stream it came from.
type Line = (&'static str, String);

/// Start `sh -c` in its own process group, with readers for both pipes feeding one channel.
fn start(spec: &RunSpec) -> Result<(Child, mpsc::Receiver<Line>), String> {
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
    let mut child = cmd
        .spawn()
        .map_err(|e| format!("cannot start `sh` in {}: {e}", spec.workdir.display()))?;
    let (ltx, lrx) = mpsc::channel(1024);
    if let Some(out) = child.stdout.take() {
        tokio::spawn(read_lines(out, "stdout", ltx.clone()));
    }
    if let Some(err) = child.stderr.take() {
        tokio::spawn(read_lines(err, "stderr", ltx.clone()));
    }
    drop(ltx);
    Ok((child, lrx))
}

/// The state of the select loop over a running command: output, exit, cancel, timeout, grace.
struct Supervisor<'a> {
    spec: &'a RunSpec,
    child: Child,
    pgid: Option<Pid>,
    lines: mpsc::Receiver<Line>,
    out: Collector<'a>,
    /// `None` while it runs; `Some(Err)` when the process was lost.
    exit: Option<std::io::Result<std::process::ExitStatus>>,
    stop: Option<Stop>,
    term_sent_at: Option<tokio::time::Instant>,
    killed_hard: bool,
    lines_open: bool,
    cancel_open: bool,
}

impl<'a> Supervisor<'a> {
    fn new(
        spec: &'a RunSpec,
        tx: &'a mpsc::UnboundedSender<Msg>,
        child: Child,
        lines: mpsc::Receiver<Line>,
    ) -> Self {
        let pgid = child
            .id()
            .and_then(|p| i32::try_from(p).ok())
            .map(Pid::from_raw);
        Self {
            spec,
            child,
            pgid,
            lines,
            out: Collector::new(spec, tx),
            exit: None,
            stop: None,
            term_sent_at: None,
            killed_hard: false,
            lines_open: true,
            cancel_open: true,
        }
    }

    /// Run until the command has exited and its output is read.
    async fn supervise(&mut self, mut cancel: oneshot::Receiver<()>) {
        let deadline = self
            .spec
            .timeout
            .map(|t| instant_after(tokio::time::Instant::now(), t));
        let mut tick = tokio::time::interval(Duration::from_millis(50));
        while self.exit.is_none() || self.lines_open {
            tokio::select! {
                line = self.lines.recv(), if self.lines_open => self.on_line(line),
                status = self.child.wait(), if self.exit.is_none() => {
                    self.on_exit(status).await;
                },
                res = &mut cancel, if self.cancel_open && self.exit.is_none() && self.stop.is_none() => {
                    self.on_cancel(res.is_ok());
                },
                () = sleep_until(deadline), if self.exit.is_none() && self.stop.is_none() => {
                    self.terminate(Stop::TimedOut);
                },
                _ = tick.tick() => self.on_tick(),
            }
        }
    }

    fn signal(&self, sig: Signal) {
        if let Some(p) = self.pgid {
            let _ = killpg(p, sig);
        }
    }

    fn on_line(&mut self, line: Option<Line>) {
        match line {
            Some((stream, l)) => self.out.push(stream, l),
            None => self.lines_open = false,
        }
    }

    async fn on_exit(&mut self, status: std::io::Result<std::process::ExitStatus>) {
        self.exit = Some(status);
        if self.stop.is_some() {
            // Stopped on purpose: nothing of its group may survive.
            self.signal(Signal::SIGKILL);
        }
        // Children that keep the pipes open get one second to finish writing.
        let until = tokio::time::Instant::now() + Duration::from_secs(1);
        while self.lines_open {
            match tokio::time::timeout_at(until, self.lines.recv()).await {
                Ok(Some((stream, l))) => self.out.push(stream, l),
                Ok(None) | Err(_) => self.lines_open = false,
            }
        }
    }

    fn on_cancel(&mut self, requested: bool) {
        self.cancel_open = false;
        if requested {
            self.terminate(Stop::Cancelled);
        }
    }

    /// Stop the command on purpose: SIGTERM now, SIGKILL after the grace period.
    fn terminate(&mut self, why: Stop) {
        self.stop = Some(why);
        self.signal(Signal::SIGTERM);
        self.term_sent_at = Some(tokio::time::Instant::now());
    }

    fn on_tick(&mut self) {
        self.out.flush_due();
        if self.exit.is_none()
            && !self.killed_hard
            && let Some(t) = self.term_sent_at
            && t.elapsed() >= self.spec.grace
        {
            self.signal(Signal::SIGKILL);
            self.killed_hard = true;
        }
    }

    /// How the command ended, once it has.
    fn verdict(&self) -> Verdict {
        let hard = if self.killed_hard {
            format!(
                "; it ignored SIGTERM and was killed with SIGKILL after {}",
                humantime::format_duration(self.spec.grace)
            )
        } else {
            String::new()
        };
        let status = self.exit.as_ref().and_then(|r| r.as_ref().ok());
        match (self.stop, status) {
            (Some(Stop::TimedOut), _) => {
                let t = self
                    .spec
                    .timeout
                    .map(|d| humantime::format_duration(d).to_string());
                let why = format!("timed out after {}{hard}", t.unwrap_or_default());
                (Outcome::TimedOut, None, Some(why))
            }
            (Some(Stop::Cancelled), _) => {
                let why = format!("cancelled by the operator{hard}");
                (Outcome::Cancelled, None, Some(why))
            }
            (None, Some(status)) => match status.code() {
                Some(0) => (Outcome::Succeeded, Some(0), None),
                Some(c) => (Outcome::Failed, Some(c), Some(format!("exit code {c}"))),
                None => (Outcome::Failed, None, Some("killed by a signal".into())),
            },
            (None, None) => (Outcome::Failed, None, Some("lost the process".into())),
        }
    }
}

async fn sleep_until(deadline: Option<tokio::time::Instant>) {
    match deadline {
        Some(d) => tokio::time::sleep_until(d).await,
        None => std::future::pending().await,
    }
}
