//! `flightdeck run`: refusals, the lock, the journal, then the cockpit or the plain front end.

use std::io::{IsTerminal, Write};

use color_eyre::eyre::Result;
use tokio::sync::mpsc;

use super::load::{load_resolved, opts_from, state_dir};
use crate::answers::Answers;
use crate::cli::RunArgs;
use crate::exec::resolve::{Resolved, rollback_target};
use crate::exec::runtime::Runtime;
use crate::journal::{self, Hasher, LockInfo, StateDir, Writer, lock};
use crate::plain::{Driver, Mode, PlainOpts, now_ms};
use crate::release::{Event, Msg, ReleaseState, StepInfo};
use crate::runbook::{Evidence, Step, StepKind};

/// Exit code: refused (lock, protected environment, operator not allowed).
pub const REFUSED: i32 = 4;

fn info(s: &Step) -> StepInfo {
    let (evidence_required, approvers, reason_required) = match &s.kind {
        StepKind::Manual { evidence, .. } => (*evidence == Evidence::Required, None, false),
        StepKind::Approval {
            approvers,
            reason_required,
        } => (false, approvers.clone(), *reason_required),
        _ => (false, None, false),
    };
    StepInfo {
        id: s.id.clone(),
        title: s.title.clone(),
        kind: s.kind.name().to_owned(),
        evidence_required,
        approvers,
        reason_required,
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
        steps: r.runbook.steps.iter().map(info).collect(),
        rollback_steps: r.runbook.rollback.steps.iter().map(info).collect(),
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

pub async fn run(args: &RunArgs, out: &mut impl Write, err: &mut impl Write) -> Result<i32> {
    let opts = opts_from(&args.runbook, args.operator.clone())?;
    let r = match load_resolved(&args.runbook.file, &opts, err)? {
        Ok(r) => r,
        Err(code) => return Ok(code),
    };
    if let Some(why) = refusal(&r, args.auto_approve) {
        writeln!(err, "{why}")?;
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
    let plain = args.plain || !std::io::stdout().is_terminal();
    if plain && r.protected && answers.is_none() {
        writeln!(
            err,
            "refused: `{}` is a protected environment; headless runs there need --answers FILE (DESIGN §3.4)",
            r.env_name
        )?;
        return Ok(REFUSED);
    }
    let dir = state_dir(
        &args.runbook.file,
        args.runbook.state_dir.as_deref(),
        r.runbook.release.shared_group.clone(),
    );
    dir.ensure()?;
    let id = free_release_id(&dir, &r.runbook.release.name, &r.ctx.version);
    let taken_from = match take_lock(&dir, &r.ctx.operator, Some(&id), args.take_over)? {
        Ok(prev) => prev,
        Err(why) => {
            writeln!(err, "{why}")?;
            return Ok(REFUSED);
        }
    };
    let result = run_locked(&r, &dir, &id, answers, args, taken_from, out).await;
    lock::release(&dir)?;
    result
}

async fn run_locked(
    r: &Resolved,
    dir: &StateDir,
    id: &str,
    answers: Option<Answers>,
    args: &RunArgs,
    taken_from: Option<LockInfo>,
    out: &mut impl Write,
) -> Result<i32> {
    let writer = Writer::create(dir, id, Hasher::from_env())?;
    let (tx, mut rx) = mpsc::unbounded_channel();
    let mut rt = Runtime::new(r.clone(), writer, lock::hostname(), tx);
    let mut st = ReleaseState::default();
    let opts = PlainOpts {
        auto_approve: args.auto_approve,
        answers: answers.clone(),
        tty: std::io::stdin().is_terminal(),
    };
    let mut d = Driver {
        rt: &mut rt,
        st: &mut st,
        rx: &mut rx,
        opts: &opts,
        out,
    };
    d.send(Msg::Begin(release_started(r, id, false)))?;
    if let Some(prev) = taken_from {
        d.send(Msg::Record(Event::LockTakenOver {
            previous_holder: prev.describe(),
        }))?;
    }
    if let Some(a) = &answers {
        d.send(Msg::Record(Event::Note {
            step: None,
            phase: None,
            action: Some("answers".into()),
            text: a.text.clone(),
        }))?;
    }
    if args.auto_approve {
        d.send(Msg::Record(Event::Note {
            step: None,
            phase: None,
            action: Some("auto-approve".into()),
            text: "--auto-approve: approvals no answers file covers are given automatically".into(),
        }))?;
    }
    let _ = rollback_target(r);
    d.drive(Mode::Run).await
}
