//! The plain front end: drives a release headless and prints timestamped lines
//! ([`describe`] turns each journaled event into its line).
//!
//! Manual and approval steps take their answers from `--answers`, then `--auto-approve`
//! (never for required evidence), then the terminal (`/dev/tty`); otherwise the step fails
//! with a message naming the missing answer and those three ways to give it.

use std::collections::VecDeque;
use std::io::{BufRead, Write};

use chrono::{DateTime, Local, Utc};
use color_eyre::eyre::Result;
use tokio::sync::mpsc;

mod describe;

pub use describe::describe;

use crate::answers::Answers;
use crate::exec::runtime::Runtime;
use crate::release::{
    Effect, Event, Msg, Outcome, Phase, ReleaseOutcome, ReleasePhase, ReleaseState, update,
};
use crate::runbook::StepType;

/// How answers are found.
#[derive(Debug, Clone, Default)]
pub struct PlainOpts {
    pub auto_approve: bool,
    pub answers: Option<Answers>,
    /// Ask on `/dev/tty` when nothing else answers.
    pub tty: bool,
}

/// What the drive is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// A release: runs until it completes, is rolled back, or a step fails.
    Run,
    /// `flightdeck rollback`: runs until the rollback ends.
    Rollback,
}

/// Milliseconds-precise now, as journal records carry it.
pub fn now_ms() -> DateTime<Utc> {
    let n = Utc::now();
    DateTime::from_timestamp_millis(n.timestamp_millis()).unwrap_or(n)
}

/// Drives one release. Returns the exit code.
pub struct Driver<'a, W: Write> {
    pub rt: &'a mut Runtime,
    pub st: &'a mut ReleaseState,
    pub rx: &'a mut mpsc::UnboundedReceiver<Msg>,
    pub opts: &'a PlainOpts,
    pub out: &'a mut W,
}

impl<W: Write> Driver<'_, W> {
    /// Apply a message and everything it leads to; refusals are printed and returned.
    pub fn send(&mut self, msg: Msg) -> Result<Option<String>> {
        // Each message, and for answers the step it answers (a refused answer fails it).
        let mut queue: VecDeque<(Msg, Option<(Phase, String)>)> = VecDeque::from([(msg, None)]);
        let mut refused = None;
        while let Some((mut m, answering)) = queue.pop_front() {
            self.rt.masker.mask_msg(&mut m);
            let now = now_ms();
            let effects = match update(self.st, m, now) {
                Ok(e) => e,
                Err(r) => {
                    self.line(&format!("refused: {r}"))?;
                    if let Some((phase, step)) = answering {
                        queue.push_back((
                            Msg::Finished {
                                phase,
                                step,
                                outcome: Outcome::Failed,
                                exit_code: None,
                                reason: Some(r.0.clone()),
                                duration_ms: 0,
                                captures: std::collections::BTreeMap::new(),
                            },
                            None,
                        ));
                    } else {
                        refused = Some(r.0);
                    }
                    continue;
                }
            };
            let mut answer_for = Vec::new();
            let effects: Vec<Effect> = effects
                .into_iter()
                .filter(|e| match e {
                    Effect::Execute { phase, index } => {
                        if self.st.list(*phase)[*index].kind.is_answered() {
                            answer_for.push((*phase, *index));
                            false
                        } else {
                            true
                        }
                    }
                    _ => true,
                })
                .collect();
            let shown = self.rt.perform(effects, self.st, now)?;
            for ev in &shown {
                self.show(ev, now)?;
            }
            for (phase, index) in answer_for {
                let m = self.answer(phase, index);
                let id = self.st.list(phase)[index].id.clone();
                queue.push_back((m, Some((phase, id))));
            }
        }
        Ok(refused)
    }

    fn line(&mut self, text: &str) -> Result<()> {
        let t = Local::now().format("%H:%M:%S");
        writeln!(self.out, "{t} {text}")?;
        self.out.flush()?;
        Ok(())
    }

    fn show(&mut self, ev: &Event, _at: DateTime<Utc>) -> Result<()> {
        if let Some(text) = describe(ev, self.st) {
            for l in text.lines() {
                self.line(l)?;
            }
        }
        Ok(())
    }

    fn answer(&mut self, phase: Phase, index: usize) -> Msg {
        let s = self.st.list(phase)[index].clone();
        let protected = self.rt.resolved.protected;
        let answers = self.opts.answers.as_ref();
        let fail = |why: String| Msg::Finished {
            phase,
            step: s.id.clone(),
            outcome: Outcome::Failed,
            exit_code: None,
            reason: Some(why),
            duration_ms: 0,
            captures: std::collections::BTreeMap::new(),
        };
        if s.kind == StepType::Manual {
            if let Some(note) = answers.and_then(|a| a.evidence.get(&s.id)) {
                return Msg::Evidence {
                    note: note.clone(),
                    source: "answers".into(),
                };
            }
            if self.opts.auto_approve && !protected && !s.info.evidence_required {
                return Msg::Evidence {
                    note: "approved by --auto-approve".into(),
                    source: "auto-approve".into(),
                };
            }
            if self.opts.tty
                && let Some(note) = ask_tty(&format!("evidence for `{}` ({}): ", s.id, s.title))
            {
                return Msg::Evidence {
                    note,
                    source: "terminal".into(),
                };
            }
            let auto = if s.info.evidence_required {
                "or on a terminal (--auto-approve cannot give required evidence)"
            } else {
                "on a terminal, or with --auto-approve (not in a protected environment)"
            };
            return fail(format!(
                "no evidence for step `{}`: give it in an answers file (--answers FILE with [evidence] {} = \"…\"), {auto}",
                s.id, s.id
            ));
        }
        if let Some(a) = answers.and_then(|a| a.approvals.get(&s.id)) {
            return Msg::Approve {
                name: a.name.clone(),
                reason: a.reason.clone(),
                source: "answers".into(),
            };
        }
        if self.opts.auto_approve && !protected {
            return Msg::Approve {
                name: self.rt.operator.clone(),
                reason: "approved by --auto-approve".into(),
                source: "auto-approve".into(),
            };
        }
        if self.opts.tty
            && let Some(name) = ask_tty(&format!("approver for `{}` ({}): ", s.id, s.title))
        {
            let reason = ask_tty("reason: ").unwrap_or_default();
            return Msg::Approve {
                name,
                reason,
                source: "terminal".into(),
            };
        }
        fail(format!(
            "no approval for step `{}`: give it in an answers file (--answers FILE with [approvals.{}] name = \"…\" and reason = \"…\"), on a terminal, or with --auto-approve (not in a protected environment)",
            s.id, s.id
        ))
    }

    /// Whether a failed release may roll back without a person: only when the answers file
    /// confirms it by naming the environment (`--auto-approve` never rolls back by itself).
    fn headless_rollback_confirmed(&self) -> Option<&'static str> {
        let env = &self.rt.resolved.env_name;
        self.opts
            .answers
            .as_ref()
            .is_some_and(|a| a.confirms_rollback(env))
            .then_some("the answers file")
    }

    /// The target of a headless rollback (see `resolve::headless_rollback_target`).
    fn rollback_target(&self) -> Result<Option<String>, String> {
        let answer = self.opts.answers.as_ref().and_then(|a| a.rollback.as_ref());
        let fixed = self.st.armed.as_ref().and_then(|a| a.target.clone());
        crate::exec::resolve::headless_rollback_target(
            &self.rt.resolved,
            answer.and_then(|a| a.target.as_deref()),
            fixed.or_else(|| self.st.rollback_target.clone()),
        )
    }

    /// Run until the release (or the rollback) ends. Returns the exit code.
    pub async fn drive(&mut self, mode: Mode) -> Result<i32> {
        loop {
            if let ReleasePhase::Finished(outcome) = self.st.phase {
                return Ok(match (outcome, mode) {
                    (ReleaseOutcome::Completed, _)
                    | (ReleaseOutcome::RolledBack, Mode::Rollback) => 0,
                    (ReleaseOutcome::RolledBack, Mode::Run) => 3,
                    (ReleaseOutcome::Abandoned, _) => 1,
                });
            }
            if self.st.running().is_none() {
                match self.st.current() {
                    Some((phase, i)) if self.st.list(phase)[i].status.is_blocking() => {
                        let id = self.st.list(phase)[i].id.clone();
                        let is_watch = self.st.list(phase)[i].kind == StepType::Watch;
                        let rb = &self.rt.resolved.runbook.rollback;
                        if phase == Phase::Main && mode == Mode::Run && !rb.steps.is_empty() {
                            // A watch rolls back only when a trigger armed the rollback; an
                            // inconclusive watch never does.
                            let armed = self.st.armed.is_some();
                            let auto = armed
                                && rb.auto
                                && !self.rt.resolved.protected
                                && self.opts.auto_approve;
                            let confirmed = self.headless_rollback_confirmed();
                            if auto || ((armed || !is_watch) && confirmed.is_some()) {
                                let target = match self.rollback_target() {
                                    Ok(t) => t,
                                    Err(why) => {
                                        self.line(&format!("cannot roll back: {why}"))?;
                                        return Ok(1);
                                    }
                                };
                                let by = if auto {
                                    let delay = crate::runbook::template::render_duration(
                                        &rb.auto_delay,
                                        &self.rt.context(self.st),
                                    )
                                    .unwrap_or(std::time::Duration::from_secs(30));
                                    self.line(&format!(
                                        "auto rollback in {} (rollback.auto with --auto-approve)",
                                        humantime::format_duration(delay)
                                    ))?;
                                    tokio::time::sleep(delay).await;
                                    "auto".to_owned()
                                } else {
                                    self.line(&format!(
                                        "rolling back: step `{id}` failed; confirmed by {}",
                                        confirmed.unwrap_or_default()
                                    ))?;
                                    self.rt.operator.clone()
                                };
                                self.send(Msg::Rollback { by, target })?;
                                continue;
                            }
                        }
                        let file = self.rt.resolved.runbook.path.display().to_string();
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
                        return Ok(1);
                    }
                    Some(_) => {
                        if let Some(why) = self.send(Msg::Next)? {
                            self.line(&format!("cannot continue: {why}"))?;
                            return Ok(1);
                        }
                        continue;
                    }
                    None => return Ok(1),
                }
            }
            match self.rx.recv().await {
                Some(m) => {
                    self.send(m)?;
                }
                None => return Ok(1),
            }
        }
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
