//! The plain front end: drives a release headless over the driver and prints timestamped lines
//! ([`describe`] turns each durable record into its line).
//!
//! Manual and approval steps take their answers from `--answers`, then `--auto-approve`
//! (never for required evidence), then the terminal (`/dev/tty`); otherwise the step fails
//! with a message naming the missing answer and those three ways to give it.

use std::io::{BufRead, Write};

use chrono::Local;
use color_eyre::eyre::{Result, eyre};

mod answer;
mod describe;
pub mod preapproval;

pub use crate::driver::now_ms;
pub use crate::release::Mode;
pub use describe::describe;

use crate::answers::Answers;
use crate::driver::{Driver, DriverEvent};
use crate::release::{Event, Msg, Outcome, Phase, ReleaseState, StepStatus};
use crate::runbook::StepType;

/// How answers are found.
#[derive(Debug, Clone, Default)]
pub struct PlainOpts {
    pub auto_approve: bool,
    pub answers: Option<Answers>,
    /// Ask on `/dev/tty` when nothing else answers.
    pub tty: bool,
    /// The state dir, whose journals say which pre-approvals were consumed.
    pub state_dir: Option<crate::journal::StateDir>,
}

/// Drives one release headless and prints it. Returns the exit code.
pub struct Plain<'a, W: Write> {
    pub d: &'a mut Driver,
    pub opts: &'a PlainOpts,
    pub out: &'a mut W,
    /// The release as its durable records tell it (what the lines describe).
    pub(super) view: ReleaseState,
}

impl<'a, W: Write> Plain<'a, W> {
    pub fn new(d: &'a mut Driver, opts: &'a PlainOpts, out: &'a mut W) -> Self {
        let view = d.state().cloned().unwrap_or_default();
        Plain { d, opts, out, view }
    }

    /// Hand a message to the core; a refusal is printed and returned.
    pub fn send(&mut self, msg: Msg) -> Result<Option<String>> {
        match self.d.send(msg) {
            Ok(()) => Ok(None),
            Err(r) => {
                self.line(&format!("refused: {r}"))?;
                Ok(Some(r))
            }
        }
    }

    fn line(&mut self, text: &str) -> Result<()> {
        let t = Local::now().format("%H:%M:%S");
        writeln!(self.out, "{t} {text}")?;
        self.out.flush()?;
        Ok(())
    }

    /// Show one driver event. `Some(code)` ends the run (halted, or the operator hung up).
    async fn on_event(&mut self, ev: DriverEvent) -> Result<Option<i32>> {
        match ev {
            DriverEvent::Journaled(ev, at) => {
                self.view.apply(&ev, at);
                if let Some(text) = describe(&ev, &self.view) {
                    for l in text.lines() {
                        self.line(l)?;
                    }
                }
            }
            DriverEvent::Prompt { phase, index } => {
                if self.pre_approvals(phase, index)? {
                    return Ok(None);
                }
                if let Some(line) = self.signed_wait(phase, index) {
                    // Signed approvals come through the inbox: wait for them.
                    self.line(&line)?;
                    return Ok(None);
                }
                let m = self.answer(phase, index);
                if let Some(why) = self.send(m)? {
                    // A refused answer fails its step, with the refusal as the reason.
                    let step = self.view.list(phase)[index].id.clone();
                    self.send(fail(phase, step, why))?;
                }
            }
            DriverEvent::Refused(r) => self.line(&format!("refused: {r}"))?,
            DriverEvent::Halted(r) => {
                self.line(&r)?;
                return Ok(Some(1));
            }
            DriverEvent::Policy(p) => {
                if let Some(at) = p.countdown {
                    let left = (at - now_ms()).to_std().unwrap_or_default();
                    self.line(&format!(
                        "auto rollback in {} (rollback.auto with --auto-approve)",
                        humantime::format_duration(std::time::Duration::from_secs(
                            left.as_secs() + u64::from(left.subsec_millis() > 0)
                        ))
                    ))?;
                }
                if p.rollback_waits {
                    self.line("the rollback starts when the running step finishes")?;
                }
                if let Some(step) = &p.baselining {
                    self.line(&format!("measuring the baseline before step `{step}`"))?;
                }
            }
            DriverEvent::Disconnected(reason) => {
                self.line(&format!(
                    "{reason}: finishing the running step, then stopping"
                ))?;
                self.d.hang_up(reason).await;
                return Ok(Some(self.d.exit_code(Mode::Run)));
            }
            DriverEvent::JournalPending(_)
            | DriverEvent::Docker(_)
            | DriverEvent::Log(_)
            | DriverEvent::Gate(_)
            | DriverEvent::Revisions(_) => {}
        }
        Ok(None)
    }

    /// Show events until everything decided is durable and performed.
    pub async fn settle(&mut self) -> Result<Option<i32>> {
        while !self.d.settled() {
            let ev = self.d.next().await;
            if let Some(code) = self.on_event(ev).await? {
                return Ok(Some(code));
            }
        }
        Ok(None)
    }

    /// Send a message and show what follows until settled; a refusal is returned.
    pub async fn act(&mut self, msg: Msg) -> Result<Option<String>> {
        let refused = self.send(msg)?;
        self.settle().await?;
        Ok(refused)
    }

    /// Run until the release (or the rollback) ends, then close the journal. Returns the
    /// exit code.
    pub async fn drive(&mut self, mode: Mode) -> Result<i32> {
        let code = self.run(mode).await?;
        self.finish().await?;
        Ok(code)
    }

    /// [`Plain::drive`] without closing the journal (a drill goes on after it).
    pub async fn drive_open(&mut self, mode: Mode) -> Result<i32> {
        self.run(mode).await
    }

    /// Write everything queued to the journal and show the last records.
    pub async fn finish(&mut self) -> Result<()> {
        self.d.close().await.map_err(|e| eyre!("{e}"))?;
        for ev in self.d.drain() {
            self.on_event(ev).await?;
        }
        Ok(())
    }

    async fn run(&mut self, mode: Mode) -> Result<i32> {
        let mut said_waiting = false;
        // The step held by `wait_for` that was announced (issue 24).
        let mut said_held: Option<String> = None;
        loop {
            if let Some(code) = self.settle().await? {
                return Ok(code);
            }
            let Some(st) = self.d.state() else {
                return Ok(1);
            };
            if st.is_finished() {
                return Ok(self.d.exit_code(mode));
            }
            let waiting = self.d.core().is_some_and(|c| {
                c.ps.countdown.is_some()
                    || c.ps.pending_rollback.is_some()
                    || c.ps.baselining.is_some()
            });
            // A background watch still running (nothing else to start) is waited for too.
            let background = st.current().is_none() && !st.background_running().is_empty();
            if background && !said_waiting {
                said_waiting = true;
                if let Some(w) = crate::release::update::background::waiting_for(st, now_ms()) {
                    self.line(&w)?;
                }
                continue;
            }
            let held = held_lines(st, &mut said_held);
            if !held.lines.is_empty() {
                for l in held.lines {
                    self.line(&l)?;
                }
                continue;
            }
            if st.running().is_some() || waiting || background || held.holds {
                let ev = self.d.next().await;
                if let Some(code) = self.on_event(ev).await? {
                    return Ok(code);
                }
                continue;
            }
            match st.current() {
                Some((phase, i)) if st.list(phase)[i].status.is_blocking() => {
                    if let Some(code) = self.blocked(phase, i, mode)? {
                        return Ok(code);
                    }
                }
                Some(_) => {
                    if let Some(why) = self.send(Msg::Next)? {
                        self.line(&format!("cannot continue: {why}"))?;
                        return Ok(1);
                    }
                }
                None => return Ok(1),
            }
        }
    }

    /// A step failed (or was interrupted): roll back when the answers file confirms it, else
    /// stop with what to do. `Some(code)` ends the run.
    fn blocked(&mut self, phase: Phase, i: usize, mode: Mode) -> Result<Option<i32>> {
        let Some(st) = self.d.state() else {
            return Ok(Some(1));
        };
        let s = &st.list(phase)[i];
        let (id, is_watch) = (s.id.clone(), s.kind == StepType::Watch);
        let armed = st.armed.is_some();
        let Some(r) = self.d.resolved() else {
            return Ok(Some(1));
        };
        let has_rollback = !r.runbook.rollback.steps.is_empty();
        let file = r.runbook.path.display().to_string();
        if phase == Phase::Main && mode == Mode::Run && has_rollback {
            // A watch rolls back only when a trigger armed the rollback; an inconclusive watch
            // never does.
            if let Some(by) = self.headless_rollback_confirmed()
                && (armed || !is_watch)
            {
                let target = match self.rollback_target() {
                    Ok(t) => t,
                    Err(why) => {
                        self.line(&format!("cannot roll back: {why}"))?;
                        return Ok(Some(1));
                    }
                };
                self.line(&format!(
                    "rolling back: step `{id}` failed; confirmed by {by}"
                ))?;
                let by = self.d.operator().to_owned();
                if let Some(why) = self.send(Msg::Rollback { by, target })? {
                    self.line(&format!("cannot roll back: {why}"))?;
                    return Ok(Some(1));
                }
                return Ok(None);
            }
        }
        let hint = if phase == Phase::Rollback {
            format!(
                "the rollback is unfinished; fix the cause and run `flightdeck rollback -f {file}` to retry it"
            )
        } else {
            format!(
                "the release is unfinished; roll back with `flightdeck rollback -f {file}`, or fix the cause and run again"
            )
        };
        self.line(&format!("stopped: step `{id}` failed; {hint}."))?;
        Ok(Some(1))
    }

    /// Whether a failed release may roll back without a person: only when the answers file
    /// confirms it by naming the environment (`--auto-approve` never rolls back by itself).
    fn headless_rollback_confirmed(&self) -> Option<&'static str> {
        let env = &self.d.resolved()?.env_name;
        self.opts
            .answers
            .as_ref()
            .is_some_and(|a| a.confirms_rollback(env))
            .then_some("the answers file")
    }

    /// The target of a headless rollback (see `resolve::headless_rollback_target`).
    fn rollback_target(&self) -> Result<Option<String>, String> {
        let answer = self.opts.answers.as_ref().and_then(|a| a.rollback.as_ref());
        let st = self.d.state().ok_or("no release")?;
        let fixed = st.armed.as_ref().and_then(|a| a.target.clone());
        let r = self.d.resolved().ok_or("no runbook")?;
        crate::exec::resolve::headless_rollback_target(
            r,
            answer.and_then(|a| a.target.as_deref()),
            fixed.or_else(|| st.rollback_target.clone()),
        )
    }
}

/// What [`held_lines`] found: whether a step is held, and the lines to print.
struct Held {
    holds: bool,
    lines: Vec<String>,
}

/// A step held by `wait_for` (issue 24): the line when it is first held (`said` remembers it),
/// and the line when every watch it waits for has ended.
fn held_lines(st: &ReleaseState, said: &mut Option<String>) -> Held {
    use crate::release::update::wait_for;
    let mut lines = Vec::new();
    let hold = st.held();
    if let Some(step) = said.take_if(|s| hold.as_ref().is_none_or(|h| h.step != *s))
        && let Some(l) = wait_for::released_line(st, &step)
    {
        lines.push(l);
    }
    if let Some(h) = &hold
        && said.is_none()
    {
        *said = Some(h.step.clone());
        lines.extend(wait_for::guide_line(st, now_ms()));
    }
    Held {
        holds: hold.is_some(),
        lines,
    }
}

/// A step's failure, reported to the core.
fn fail(phase: Phase, step: String, why: String) -> Msg {
    Msg::Finished {
        phase,
        step,
        outcome: Outcome::Failed,
        exit_code: None,
        reason: Some(why),
        duration_ms: 0,
        captures: std::collections::BTreeMap::new(),
    }
}

/// Ask one line on the controlling terminal; None when there is none.
pub fn ask_tty(prompt: &str) -> Option<String> {
    let tty = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/tty")
        .ok()?;
    let mut w = tty.try_clone().ok()?;
    write!(w, "{prompt}").ok()?;
    w.flush().ok()?;
    let mut line = String::new();
    std::io::BufReader::new(tty).read_line(&mut line).ok()?;
    let line = line.trim().to_owned();
    (!line.is_empty()).then_some(line)
}

/// A note for the journal.
pub fn note(action: &str, text: String) -> Msg {
    Msg::Record(Event::Note {
        step: None,
        phase: None,
        action: Some(action.into()),
        text,
        extend_ms: None,
    })
}

/// The step of `view` that the interrupted-step decision concerns, if any.
pub fn interrupted_step(st: &ReleaseState) -> Option<String> {
    let (p, i) = st.current()?;
    (st.list(p)[i].status == StepStatus::Interrupted).then(|| st.list(p)[i].id.clone())
}
