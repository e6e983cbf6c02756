//! One release driven to its end: new or resumed, in the cockpit or headless; drills.

use std::io::{IsTerminal, Write};

use color_eyre::eyre::{Result, eyre};

use super::start::{REFUSED, release_started_with};
use crate::answers::Answers;
use crate::cli::RunArgs;
use crate::exec::resolve::{Resolved, rollback_target};
use crate::journal::{Hasher, LockInfo, StateDir, Writer};
use crate::plain::{Mode, Plain, PlainOpts, interrupted_step};
use crate::release::{Event, Msg, ReleaseState, replay};
/// One release being driven headless: a new one, or a resumed one.
pub(super) struct Session<'a> {
    pub(super) r: &'a Resolved,
    pub(super) dir: &'a StateDir,
    pub(super) id: &'a str,
    pub(super) resume: bool,
    pub(super) answers: Option<Answers>,
    pub(super) args: &'a RunArgs,
    pub(super) taken_from: Option<LockInfo>,
    /// Resuming with a changed runbook, accepted: the note that says so (both hashes).
    pub(super) pinned: Option<Box<Msg>>,
}

impl Session<'_> {
    /// Open the journal (new or resumed), and list the messages that start the session.
    fn prepare(&self) -> Result<(Writer, ReleaseState, Vec<Msg>)> {
        if let Some(key) = &self.args.key {
            // A key that cannot be read would silently name no operator key.
            crate::trust::fingerprint(key)
                .map_err(|e| eyre!("--key / FLIGHTDECK_KEY {}: {e}", key.display()))?;
        }
        let (writer, st, torn) = if self.resume {
            let (w, read) = Writer::open_existing(self.dir, self.id, Hasher::from_env())?;
            let st = replay::from_records(&read.records).map_err(|e| eyre!("{}: {e}", self.id))?;
            (w, st, read.torn_tail)
        } else {
            (
                Writer::create(self.dir, self.id, Hasher::from_env())?,
                ReleaseState::default(),
                None,
            )
        };
        let note = |action: &str, text: String| {
            Msg::Record(Event::Note {
                step: None,
                phase: None,
                action: Some(action.into()),
                text,
                extend_ms: None,
            })
        };
        let mut initial = Vec::new();
        if self.resume {
            if let Some(t) = torn {
                initial.push(note("torn-tail", format!(
                    "a torn last line ({} bytes, the process stopped mid-write) was set aside on resume",
                    t.bytes
                )));
            }
            initial.push(note(
                "resume",
                format!("release resumed by {}", self.r.ctx.operator),
            ));
            if !st.background_running().is_empty() {
                initial.push(Msg::ResumeBackground);
            }
            initial.extend(self.pinned.clone().map(|m| *m));
        } else {
            initial.push(Msg::Begin(release_started_with(
                self.r,
                self.id,
                self.args.drill,
                self.args.key.as_deref(),
            )));
        }
        if let Some(prev) = &self.taken_from {
            initial.push(Msg::Record(Event::LockTakenOver {
                previous_holder: prev.describe(),
            }));
        }
        if let Some(a) = &self.answers {
            initial.push(note("answers", a.text.clone()));
        }
        if self.args.auto_approve {
            initial.push(note(
                "auto-approve",
                "--auto-approve: approvals no answers file covers are given automatically".into(),
            ));
        }
        Ok((writer, st, initial))
    }

    pub(super) async fn drive(
        self,
        plain: bool,
        out: &mut impl Write,
        err: &mut impl Write,
    ) -> Result<i32> {
        let (writer, st, initial) = self.prepare()?;
        if !plain {
            let mut d = crate::driver::live(self.r, writer, st.clone())?;
            let opts = crate::cockpit::CockpitOpts {
                theme: self.args.theme.clone(),
                fps: self.args.fps,
                mouse: self.args.mouse,
                warning: ssh_warning(self.r.protected),
                guide: None,
            };
            return crate::cockpit::start(&mut d, st, initial, &opts).await;
        }
        let opts = PlainOpts {
            auto_approve: self.args.auto_approve,
            answers: self.answers.clone(),
            tty: std::io::stdin().is_terminal(),
            state_dir: Some(self.dir.clone()),
        };
        let mut driver = crate::driver::headless(self.r, writer, st, self.args.auto_approve)?;
        let mut d = Plain::new(&mut driver, &opts, out);
        for m in initial {
            if let Some(why) = d.act(m).await? {
                return Err(eyre!("cannot start the release: {why}"));
            }
        }
        if let Some(step) = d.d.state().and_then(interrupted_step) {
            let Some(decision) = decide_interrupted(self.answers.as_ref(), &step, opts.tty) else {
                writeln!(
                    err,
                    "refused: step `{step}` was interrupted (outcome unknown); say what to do in --answers FILE: [resume] interrupted = \"retry\" | \"mark-done\" | \"rollback\" (with note = \"…\" for mark-done)"
                )?;
                return Ok(REFUSED);
            };
            let msg = match decision {
                Decision::Retry => Msg::Retry,
                Decision::MarkDone(note) => Msg::MarkDone { note },
                Decision::Rollback => Msg::Rollback {
                    by: d.d.operator().to_owned(),
                    target: rollback_target(self.r),
                },
            };
            if let Some(why) = d.act(msg).await? {
                writeln!(err, "cannot continue: {why}")?;
                return Ok(1);
            }
        }
        if self.args.drill && !self.resume {
            return drill(
                &mut d,
                self.args.rollback_only,
                self.answers.as_ref(),
                self.r,
            )
            .await;
        }
        d.drive(Mode::Run).await
    }
}

/// A drill: run the release (or skip it with `--rollback-only`), then the rollback on
/// purpose, then record the findings. Exit 0 when the rollback completed.
async fn drill<W: Write>(
    d: &mut Plain<'_, W>,
    rollback_only: bool,
    answers: Option<&Answers>,
    r: &Resolved,
) -> Result<i32> {
    if rollback_only {
        while d
            .d
            .state()
            .is_some_and(|st| st.current().is_some() && !st.is_finished())
        {
            if let Some(why) = d
                .act(Msg::Skip {
                    reason: "drill: --rollback-only".into(),
                })
                .await?
            {
                return Err(eyre!("cannot skip for the drill: {why}"));
            }
        }
    } else {
        let code = d.drive_open(Mode::Run).await?;
        if code != 0 {
            return Ok(code);
        }
    }
    let by = d.d.operator().to_owned();
    if let Some(why) = d
        .act(Msg::Rollback {
            by,
            target: rollback_target(r),
        })
        .await?
    {
        return Err(eyre!("cannot start the drill's rollback: {why}"));
    }
    let code = d.drive_open(Mode::Rollback).await?;
    let findings = answers
        .and_then(|a| a.drill.as_ref().map(|f| f.findings.clone()))
        .or_else(|| crate::plain::ask_tty("drill findings (one line): "))
        .unwrap_or_else(|| "no findings recorded".to_owned());
    d.act(Msg::Record(Event::Note {
        step: None,
        phase: None,
        action: Some("drill-findings".into()),
        text: findings,
        extend_ms: None,
    }))
    .await?;
    d.finish().await?;
    Ok(code)
}

/// In a protected environment over SSH without tmux or screen, a dropped connection pauses
/// the release: say so in the header.
pub fn ssh_warning(protected: bool) -> Option<String> {
    let set = |k: &str| std::env::var_os(k).is_some_and(|v| !v.is_empty());
    (protected && set("SSH_CONNECTION") && !set("TMUX") && !set("STY"))
        .then(|| "over SSH without tmux/screen: a dropped connection pauses the release".to_owned())
}

enum Decision {
    Retry,
    MarkDone(String),
    Rollback,
}

/// What to do with an interrupted step: from the answers file, else asked on the terminal.
fn decide_interrupted(answers: Option<&Answers>, step: &str, tty: bool) -> Option<Decision> {
    let pick = |what: &str, note: String| match what {
        "retry" | "r" => Some(Decision::Retry),
        "mark-done" | "m" if !note.trim().is_empty() => Some(Decision::MarkDone(note)),
        "rollback" | "R" => Some(Decision::Rollback),
        _ => None,
    };
    if let Some(r) = answers.and_then(|a| a.resume.as_ref()) {
        return pick(&r.interrupted, r.note.clone());
    }
    if !tty {
        return None;
    }
    let what = crate::plain::ask_tty(&format!(
        "step `{step}` was interrupted (outcome unknown): r retry · m mark done · R roll back? "
    ))?;
    let note = if what == "m" {
        crate::plain::ask_tty("note (what you checked): ").unwrap_or_default()
    } else {
        String::new()
    };
    pick(&what, note)
}
