//! `flightdeck run`: refusals, the lock, the journal, then the cockpit or the plain front end.

use std::io::{IsTerminal, Write};

use color_eyre::eyre::Result;

use super::load::{load_resolved, opts_from, state_dir};
use super::resume::{ResumeAnswer, abandon, ask_resume, pinned_runbook, stale_lock_confirmed};
use super::session::Session;
pub use super::session::ssh_warning;
pub use super::start::{
    LockGuard, REFUSED, free_release_id, latest_unfinished, refusal, refused_by_live_lock,
    release_started, take_lock,
};
use crate::answers::Answers;
use crate::cli::RunArgs;
use crate::exec::resolve::{Options, Resolved};
use crate::journal::StateDir;
use crate::release::ReleaseState;

/// The latest unfinished release, if any, and the decision made about it.
type Unfinished = Option<(String, ReleaseState)>;

pub async fn run(args: &RunArgs, out: &mut impl Write, err: &mut impl Write) -> Result<i32> {
    let mut opts = opts_from(&args.runbook, args.operator.clone())?;
    // Peek at the state dir first: a resumed release keeps its environment and version.
    let peek = state_dir(&args.runbook.file, args.runbook.state_dir.as_deref(), None);
    let unfinished = peek_unfinished(args, &peek, &mut opts)?;
    let mut r = match load_resolved(&args.runbook.file, &opts, err)? {
        Ok(r) => r,
        Err(code) => return Ok(code),
    };
    // `--key` seals the journal too, not only FLIGHTDECK_KEY.
    r.operator_key.clone_from(&args.key);
    // Approvers that are no principals of `allowed_signers`, or too few without the operator.
    let trust = crate::trust::problems(&r);
    r.problems.extend(trust);
    // `[[notifications]]` whose URL or headers cannot be rendered (an unset variable).
    r.problems.extend(crate::exec::notifications::plan(&r).1);
    if let Some(code) = refused_runbook(args, &r, err)? {
        return Ok(code);
    }
    let answers = match &args.answers {
        Some(p) => Some(Answers::load(p)?),
        None => None,
    };
    warn_unmasked(&r, err)?;
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
    if let Some(code) = refused_to_start(args, &r, &peek, unfinished.is_some(), err)? {
        return Ok(code);
    }
    let (resuming, abandon_note) = match resume_or_abandon(args, &unfinished, plain, err)? {
        Ok(decided) => decided,
        Err(code) => return Ok(code),
    };
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
    // A resumed release runs the runbook it started with, unless the change is accepted.
    let pinned = if resume {
        match pinned_runbook(&dir, &id, &r.runbook.sha256, args.accept_changed_runbook)? {
            Ok(note) => note.map(Box::new),
            Err(why) => {
                writeln!(err, "{why}")?;
                return Ok(REFUSED);
            }
        }
    } else {
        None
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
            abandon(&r, &dir, uid, note, out).await?;
        }
        let s = Session {
            r: &r,
            dir: &dir,
            id: &id,
            resume,
            answers,
            args,
            taken_from,
            pinned,
        };
        Box::pin(s.drive(plain, out, err)).await
    }
    .await
}

/// The latest unfinished release of the runbook in `peek`; resuming it keeps its environment
/// and version unless given.
fn peek_unfinished(args: &RunArgs, peek: &StateDir, opts: &mut Options) -> Result<Unfinished> {
    let name = crate::runbook::load::load_file(&args.runbook.file)
        .ok()
        .map(|l| l.runbook.release.name);
    let unfinished = match &name {
        Some(n) => latest_unfinished(peek, n)?,
        None => None,
    };
    if args.resume
        && let Some((_, st)) = &unfinished
    {
        opts.env.get_or_insert_with(|| st.environment.clone());
        opts.release_version
            .get_or_insert_with(|| st.version.clone());
    }
    Ok(unfinished)
}

/// Refusals of the runbook itself: its environment's rules, drills, problems.
fn refused_runbook(args: &RunArgs, r: &Resolved, err: &mut impl Write) -> Result<Option<i32>> {
    if let Some(why) = refusal(r, args.auto_approve) {
        writeln!(err, "{why}")?;
        return Ok(Some(REFUSED));
    }
    if args.drill && r.protected {
        writeln!(
            err,
            "refused: a drill rolls back on purpose and is not allowed in the protected environment `{}`; rehearse with --env staging",
            r.env_name
        )?;
        return Ok(Some(REFUSED));
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
        return Ok(Some(1));
    }
    Ok(None)
}

fn warn_unmasked(r: &Resolved, err: &mut impl Write) -> Result<()> {
    for name in crate::exec::runtime::masker_for(r).1 {
        writeln!(
            err,
            "warning: secret {name} is shorter than 4 characters and is not masked"
        )?;
    }
    Ok(())
}

/// Refusals of the state dir: a live lock, or `--resume` with nothing to resume.
fn refused_to_start(
    args: &RunArgs,
    r: &Resolved,
    peek: &StateDir,
    has_unfinished: bool,
    err: &mut impl Write,
) -> Result<Option<i32>> {
    if let Some(why) = refused_by_live_lock(peek)? {
        writeln!(err, "{why}")?;
        return Ok(Some(REFUSED));
    }
    if args.resume && !has_unfinished {
        writeln!(
            err,
            "run --resume: there is no unfinished release of `{}` to resume",
            r.runbook.release.name
        )?;
        return Ok(Some(1));
    }
    Ok(None)
}

/// Whether to resume the unfinished release, or the note to abandon it with (asked on a
/// terminal when the flags do not say); an exit code when it is left as it is.
fn resume_or_abandon(
    args: &RunArgs,
    unfinished: &Unfinished,
    plain: bool,
    err: &mut impl Write,
) -> Result<std::result::Result<(bool, Option<String>), i32>> {
    let mut resume_asked = false;
    let mut abandon_note = args.abandon.clone();
    if let Some((uid, ust)) = unfinished
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
    if let Some((uid, ust)) = unfinished
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
        return Ok(Err(REFUSED));
    }
    Ok(Ok((resuming, abandon_note)))
}
