//! `flightdeck run`: refusals, the lock, the journal, then the cockpit or the plain front end.

use std::io::{IsTerminal, Write};

use color_eyre::eyre::{Result, eyre};
use tokio::sync::mpsc;

use super::load::{load_resolved, opts_from, state_dir};
use crate::answers::Answers;
use crate::cli::RunArgs;
use crate::exec::resolve::{Resolved, rollback_target};
use crate::exec::runtime::Runtime;
use crate::journal::{self, Hasher, LockInfo, StateDir, Writer, lock};
use crate::plain::{Driver, Mode, PlainOpts, now_ms};
use crate::release::{Event, Msg, ReleasePhase, ReleaseState, StepInfo, StepStatus, replay};
use crate::runbook::{Evidence, Step, StepKind};

/// Exit code: refused (lock, protected environment, operator not allowed).
pub const REFUSED: i32 = 4;

fn info(s: &Step, ctx: &crate::runbook::Context) -> StepInfo {
    let (evidence_required, approvers, reason_required) = match &s.kind {
        StepKind::Manual { evidence, .. } => (*evidence == Evidence::Required, None, false),
        StepKind::Approval {
            approvers,
            reason_required,
        } => (false, approvers.clone(), *reason_required),
        _ => (false, None, false),
    };
    // Titles may use variables; one that needs a value not known yet (a capture) stays as written.
    let title = crate::runbook::render(&crate::runbook::Tpl::new(s.title.clone(), 0..0), ctx)
        .unwrap_or_else(|_| s.title.clone());
    let duration_ms = match &s.kind {
        StepKind::Watch { duration, .. } => crate::runbook::render_duration(duration, ctx)
            .ok()
            .and_then(|d| u64::try_from(d.as_millis()).ok()),
        _ => None,
    };
    StepInfo {
        id: s.id.clone(),
        title,
        kind: s.kind.name().to_owned(),
        evidence_required,
        approvers,
        reason_required,
        duration_ms,
    }
}

/// The `release-started` event for `r`.
pub fn release_started(r: &Resolved, release_id: &str, drill: bool) -> Event {
    Event::ReleaseStarted {
        release_id: release_id.to_owned(),
        name: r.runbook.release.name.clone(),
        environment: r.env_name.clone(),
        version: r.ctx.version.clone(),
        protected: r.protected,
        runbook: r.runbook.path.display().to_string(),
        previous: r.ctx.previous.clone(),
        lkg: r.ctx.lkg.clone(),
        drill,
        steps: r.runbook.steps.iter().map(|s| info(s, &r.ctx)).collect(),
        rollback_steps: r
            .runbook
            .rollback
            .steps
            .iter()
            .map(|s| info(s, &r.ctx))
            .collect(),
    }
}

/// A release id not used yet in `dir`: two releases started in the same second get
/// consecutive seconds, so ids stay `<name>-<version>-<yyyymmddThhmmssZ>`.
pub fn free_release_id(dir: &StateDir, name: &str, version: &str) -> String {
    let mut t = now_ms();
    loop {
        let id = journal::release_id(name, version, t);
        if !dir.journal_path(&id).exists() {
            return id;
        }
        t += chrono::Duration::seconds(1);
    }
}

/// Refuse what policy forbids before anything is written. Returns a message for exit 4.
pub fn refusal(r: &Resolved, auto_approve: bool) -> Option<String> {
    if auto_approve && r.protected {
        return Some(format!(
            "refused: --auto-approve is not allowed in the protected environment `{}`; give the answers in a file with --answers FILE",
            r.env_name
        ));
    }
    if let Some(allowed) = &r.runbook.release.operators
        && !allowed.iter().any(|o| o == &r.ctx.operator)
    {
        return Some(format!(
            "refused: operator `{}` is not in release.operators ({}); pass --operator NAME if you are one of them",
            r.ctx.operator,
            allowed.join(", ")
        ));
    }
    None
}

/// Take the release lock, or say who holds it.
pub fn take_lock(
    dir: &StateDir,
    operator: &str,
    release: Option<&str>,
    take_over: bool,
) -> Result<std::result::Result<Option<LockInfo>, String>> {
    let me = LockInfo {
        operator: operator.to_owned(),
        host: lock::hostname(),
        pid: std::process::id(),
        started: now_ms().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        release: release.map(str::to_owned),
    };
    Ok(match lock::acquire(dir, &me)? {
        lock::Acquire::Taken => Ok(None),
        lock::Acquire::HeldBy(h) => Err(format!(
            "refused: the release lock is held by {}; watch it with `flightdeck observe`",
            h.describe()
        )),
        lock::Acquire::Stale(h) if take_over => {
            lock::take_over(dir, &me)?;
            Ok(Some(h))
        }
        lock::Acquire::Stale(h) => Err(format!(
            "refused: a stale lock is left by {} (that process is gone); pass --take-over to take it over",
            h.describe()
        )),
    })
}

/// The newest release of `name` in `dir`, when it is unfinished.
pub fn latest_unfinished(dir: &StateDir, name: &str) -> Result<Option<(String, ReleaseState)>> {
    if !dir.journal_dir().is_dir() {
        return Ok(None);
    }
    for entry in dir.list()? {
        let read = journal::read(&entry.path)?;
        let st = replay::from_records(&read.records)
            .map_err(|e| eyre!("{}: {e}", entry.path.display()))?;
        if st.name != name {
            continue;
        }
        return Ok(
            (!st.is_finished() && st.phase != ReleasePhase::NotStarted).then_some((entry.id, st))
        );
    }
    Ok(None)
}

#[allow(clippy::too_many_lines)] // the refusals in order, each with its message
pub async fn run(args: &RunArgs, out: &mut impl Write, err: &mut impl Write) -> Result<i32> {
    let mut opts = opts_from(&args.runbook, args.operator.clone())?;
    // Peek at the state dir first: a resumed release keeps its environment and version.
    let peek = state_dir(&args.runbook.file, args.runbook.state_dir.as_deref(), None);
    let name = crate::runbook::load::load_file(&args.runbook.file)
        .ok()
        .map(|l| l.runbook.release.name);
    let unfinished = match &name {
        Some(n) => latest_unfinished(&peek, n)?,
        None => None,
    };
    if args.resume
        && let Some((_, st)) = &unfinished
    {
        opts.env.get_or_insert_with(|| st.environment.clone());
        opts.release_version
            .get_or_insert_with(|| st.version.clone());
    }
    let r = match load_resolved(&args.runbook.file, &opts, err)? {
        Ok(r) => r,
        Err(code) => return Ok(code),
    };
    if let Some(why) = refusal(&r, args.auto_approve) {
        writeln!(err, "{why}")?;
        return Ok(REFUSED);
    }
    if args.drill && r.protected {
        writeln!(
            err,
            "refused: a drill rolls back on purpose and is not allowed in the protected environment `{}`; rehearse with --env staging",
            r.env_name
        )?;
        return Ok(REFUSED);
    }
    if !r.problems.is_empty() {
        for p in &r.problems {
            writeln!(err, "{p}")?;
        }
        writeln!(
            err,
            "run: {} problem(s); `flightdeck plan` shows them all",
            r.problems.len()
        )?;
        return Ok(1);
    }
    let answers = match &args.answers {
        Some(p) => Some(Answers::load(p)?),
        None => None,
    };
    for name in crate::exec::runtime::masker_for(&r).1 {
        writeln!(
            err,
            "warning: secret {name} is shorter than 4 characters and is not masked"
        )?;
    }
    // Drills run headless: they roll back on purpose, with no key to press.
    let plain = args.plain || args.drill || !std::io::stdout().is_terminal();
    if plain && r.protected && answers.is_none() {
        writeln!(
            err,
            "refused: `{}` is a protected environment; headless runs there need --answers FILE (DESIGN §3.4)",
            r.env_name
        )?;
        return Ok(REFUSED);
    }
    if args.resume && unfinished.is_none() {
        writeln!(
            err,
            "run --resume: there is no unfinished release of `{}` to resume",
            r.runbook.release.name
        )?;
        return Ok(1);
    }
    let mut resume_asked = false;
    let mut abandon_note = args.abandon.clone();
    if let Some((uid, ust)) = &unfinished
        && !plain
        && !args.resume
        && abandon_note.is_none()
    {
        match ask_resume(uid, ust) {
            Some(ResumeAnswer::Resume) => resume_asked = true,
            Some(ResumeAnswer::Abandon(note)) => abandon_note = Some(note),
            None => {}
        }
    }
    let resuming = args.resume || resume_asked;
    if let Some((uid, ust)) = &unfinished
        && !resuming
        && abandon_note.is_none()
    {
        let at = ust
            .current()
            .map(|(p, i)| {
                format!(
                    " at step `{}` ({})",
                    ust.list(p)[i].id,
                    ust.list(p)[i].status.label()
                )
            })
            .unwrap_or_default();
        writeln!(
            err,
            "refused: release {uid} is unfinished{at}; pass --resume to continue it, or --abandon NOTE to close it and start a new one"
        )?;
        return Ok(REFUSED);
    }
    let dir = state_dir(
        &args.runbook.file,
        args.runbook.state_dir.as_deref(),
        r.runbook.release.shared_group.clone(),
    );
    dir.ensure()?;
    let (id, resume) = match &unfinished {
        Some((uid, _)) if resuming => (uid.clone(), true),
        _ => (
            free_release_id(&dir, &r.runbook.release.name, &r.ctx.version),
            false,
        ),
    };
    let take_over = args.take_over || (!plain && stale_lock_confirmed(&dir));
    let taken_from = match take_lock(&dir, &r.ctx.operator, Some(&id), take_over)? {
        Ok(prev) => prev,
        Err(why) => {
            writeln!(err, "{why}")?;
            return Ok(REFUSED);
        }
    };
    let _lock = LockGuard(&dir);
    async {
        if let (Some((uid, _)), Some(note)) = (&unfinished, &abandon_note) {
            abandon(&r, &dir, uid, note, out)?;
        }
        let s = Session {
            r: &r,
            dir: &dir,
            id: &id,
            resume,
            answers,
            args,
            taken_from,
        };
        s.drive(plain, out, err).await
    }
    .await
}

/// Releases the release lock when dropped: on every exit path, a panic's unwinding included.
pub struct LockGuard<'a>(pub &'a StateDir);

impl Drop for LockGuard<'_> {
    fn drop(&mut self) {
        let _ = lock::release(self.0);
    }
}

/// The operator's answer to "resume it?".
enum ResumeAnswer {
    Resume,
    Abandon(String),
}

/// Ask on the terminal whether to resume an unfinished release (None: no answer).
fn ask_resume(id: &str, st: &ReleaseState) -> Option<ResumeAnswer> {
    let at = st
        .current()
        .map(|(p, i)| {
            format!(
                " at step `{}` ({})",
                st.list(p)[i].id,
                st.list(p)[i].status.label()
            )
        })
        .unwrap_or_default();
    let a = crate::plain::ask_tty(&format!(
        "release {id} is unfinished{at}. Resume it? y resumes · n abandons it (with a note): "
    ))?;
    match a.as_str() {
        "y" | "Y" => Some(ResumeAnswer::Resume),
        "n" | "N" => crate::plain::ask_tty("note for abandoning it: ").map(ResumeAnswer::Abandon),
        _ => None,
    }
}

/// In the cockpit, a stale lock is taken over after the operator says `y`.
fn stale_lock_confirmed(dir: &StateDir) -> bool {
    let Ok(text) = std::fs::read_to_string(dir.lock_path()) else {
        return false;
    };
    let Ok(info) = serde_json::from_str::<LockInfo>(&text) else {
        return false;
    };
    let alive = nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(i32::try_from(info.pid).unwrap_or(0)),
        None,
    )
    .is_ok();
    if info.host != lock::hostname() || alive {
        return false;
    }
    crate::plain::ask_tty(&format!(
        "a stale lock is left by {} (that process is gone). Take it over? y/N: ",
        info.describe()
    ))
    .is_some_and(|a| a == "y" || a == "Y")
}

/// Close an unfinished release as abandoned, with the operator's note.
fn abandon(r: &Resolved, dir: &StateDir, id: &str, note: &str, out: &mut impl Write) -> Result<()> {
    let (writer, read) = Writer::open_existing(dir, id, Hasher::from_env())?;
    let mut st = replay::from_records(&read.records).map_err(|e| eyre!("{id}: {e}"))?;
    let (tx, mut rx) = mpsc::unbounded_channel();
    let mut rt = Runtime::new(r.clone(), writer, lock::hostname(), tx);
    let opts = PlainOpts::default();
    let mut d = Driver {
        rt: &mut rt,
        st: &mut st,
        rx: &mut rx,
        opts: &opts,
        out,
    };
    if let Some(why) = d.send(Msg::Abandon {
        note: note.to_owned(),
    })? {
        return Err(eyre!("cannot abandon {id}: {why}"));
    }
    Ok(())
}

/// One release being driven headless: a new one, or a resumed one.
struct Session<'a> {
    r: &'a Resolved,
    dir: &'a StateDir,
    id: &'a str,
    resume: bool,
    answers: Option<Answers>,
    args: &'a RunArgs,
    taken_from: Option<LockInfo>,
}

impl Session<'_> {
    /// Open the journal (new or resumed), and list the messages that start the session.
    fn prepare(&self) -> Result<(Writer, ReleaseState, Vec<Msg>)> {
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
        } else {
            initial.push(Msg::Begin(release_started(
                self.r,
                self.id,
                self.args.drill,
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

    async fn drive(self, plain: bool, out: &mut impl Write, err: &mut impl Write) -> Result<i32> {
        let (writer, mut st, initial) = self.prepare()?;
        let (tx, mut rx) = mpsc::unbounded_channel();
        let mut rt = Runtime::new(self.r.clone(), writer, lock::hostname(), tx);
        if !plain {
            let opts = crate::cockpit::CockpitOpts {
                theme: self.args.theme.clone(),
                fps: self.args.fps,
                mouse: self.args.mouse,
                warning: ssh_warning(self.r.protected),
                guide: None,
            };
            return crate::cockpit::run(&mut rt, st, &mut rx, initial, &opts).await;
        }
        let opts = PlainOpts {
            auto_approve: self.args.auto_approve,
            answers: self.answers.clone(),
            tty: std::io::stdin().is_terminal(),
        };
        let mut d = Driver {
            rt: &mut rt,
            st: &mut st,
            rx: &mut rx,
            opts: &opts,
            out,
        };
        for m in initial {
            d.send(m)?;
        }
        if let Some((p, i)) = d.st.current()
            && d.st.list(p)[i].status == StepStatus::Interrupted
        {
            let step = d.st.list(p)[i].id.clone();
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
                    by: d.rt.operator.clone(),
                    target: rollback_target(self.r),
                },
            };
            if let Some(why) = d.send(msg)? {
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
    d: &mut Driver<'_, W>,
    rollback_only: bool,
    answers: Option<&Answers>,
    r: &Resolved,
) -> Result<i32> {
    if rollback_only {
        while d.st.current().is_some() && !d.st.is_finished() {
            if let Some(why) = d.send(Msg::Skip {
                reason: "drill: --rollback-only".into(),
            })? {
                return Err(eyre!("cannot skip for the drill: {why}"));
            }
        }
    } else {
        let code = d.drive(Mode::Run).await?;
        if code != 0 {
            return Ok(code);
        }
    }
    let by = d.rt.operator.clone();
    if let Some(why) = d.send(Msg::Rollback {
        by,
        target: rollback_target(r),
    })? {
        return Err(eyre!("cannot start the drill's rollback: {why}"));
    }
    let code = d.drive(Mode::Rollback).await?;
    let findings = answers
        .and_then(|a| a.drill.as_ref().map(|f| f.findings.clone()))
        .or_else(|| crate::plain::ask_tty("drill findings (one line): "))
        .unwrap_or_else(|| "no findings recorded".to_owned());
    d.send(Msg::Record(Event::Note {
        step: None,
        phase: None,
        action: Some("drill-findings".into()),
        text: findings,
        extend_ms: None,
    }))?;
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
