//! `flightdeck rollback`: run the rollback steps of the latest release, headless.

use std::io::{BufRead, IsTerminal, Write};

use color_eyre::eyre::{Result, eyre};

use super::load::{load_resolved, opts_from, state_dir};
use super::run::{REFUSED, take_lock};
use crate::answers::Answers;
use crate::cli::RollbackArgs;
use crate::exec::resolve::{Resolved, headless_rollback_target};
use crate::journal::{Hasher, Writer};
use crate::plain::{Mode, Plain, PlainOpts};
use crate::release::{Event, Msg, ReleaseState, replay};

/// Ask the terminal to type `expected`; true when it was typed exactly.
fn typed_on_tty(prompt: &str, expected: &str) -> bool {
    let Ok(tty) = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/tty")
    else {
        return false;
    };
    let Ok(mut w) = tty.try_clone() else {
        return false;
    };
    if write!(w, "{prompt}").and_then(|()| w.flush()).is_err() {
        return false;
    }
    let mut line = String::new();
    std::io::BufReader::new(tty).read_line(&mut line).is_ok() && line.trim() == expected
}

pub async fn run(args: &RollbackArgs, out: &mut impl Write, err: &mut impl Write) -> Result<i32> {
    let dir = state_dir(&args.runbook.file, args.runbook.state_dir.as_deref(), None);
    let path = dir.resolve("latest")?;
    let id = path
        .file_stem()
        .and_then(|s| s.to_str())
        .ok_or_else(|| eyre!("{}: not a journal", path.display()))?
        .to_owned();
    let (writer, outcome) = Writer::open_existing(&dir, &id, Hasher::from_env())?;
    let st =
        replay::from_records(&outcome.records).map_err(|e| eyre!("{}: {e}", path.display()))?;
    let mut opts = opts_from(&args.runbook, args.operator.clone())?;
    opts.env.get_or_insert_with(|| st.environment.clone());
    opts.release_version
        .get_or_insert_with(|| st.version.clone());
    let r = match load_resolved(&args.runbook.file, &opts, err)? {
        Ok(r) => r,
        Err(code) => return Ok(code),
    };
    let answers = match &args.answers {
        Some(p) => Some(Answers::load(p)?),
        None => None,
    };
    let target = match rollback_target(&r, &st, answers.as_ref()) {
        Ok(t) => t,
        Err(why) => {
            writeln!(err, "cannot roll back: {why}")?;
            return Ok(1);
        }
    };
    if let Some(code) = refused_unconfirmed(args, &st, &id, answers.as_ref(), err)? {
        return Ok(code);
    }
    let taken = match take_lock(&dir, &r.ctx.operator, Some(&id), false)? {
        Ok(t) => t,
        Err(why) => {
            writeln!(err, "{why}")?;
            return Ok(REFUSED);
        }
    };
    let _ = taken;
    let _lock = super::run::LockGuard(&dir);
    let opts = PlainOpts {
        auto_approve: false,
        answers,
        tty: false,
        state_dir: Some(dir.clone()),
    };
    execute(
        &r,
        writer,
        st,
        outcome.torn_tail.as_ref(),
        target,
        &opts,
        out,
    )
    .await
}

/// The target to roll back to: the one the release fixed or armed, else the answers', else
/// the runbook's.
fn rollback_target(
    r: &Resolved,
    st: &ReleaseState,
    answers: Option<&Answers>,
) -> std::result::Result<Option<String>, String> {
    let fixed = st
        .rollback_target
        .clone()
        .or_else(|| st.armed.as_ref().and_then(|a| a.target.clone()));
    let answer = answers
        .and_then(|a| a.rollback.as_ref())
        .and_then(|a| a.target.as_deref());
    headless_rollback_target(r, answer, fixed)
}

/// The confirmation rules, each with its message: `Some(exit code)` when refused.
fn refused_unconfirmed(
    args: &RollbackArgs,
    st: &ReleaseState,
    id: &str,
    answers: Option<&Answers>,
    err: &mut impl Write,
) -> Result<Option<i32>> {
    let env = &st.environment;
    let by_answers = answers.is_some_and(|a| a.confirms_rollback(env));
    if st.protected && args.yes {
        writeln!(
            err,
            "refused: --yes is not accepted in the protected environment `{env}`; type its name on the terminal, or give [rollback] confirm = \"{env}\" in --answers FILE"
        )?;
        return Ok(Some(REFUSED));
    }
    if !(by_answers || (!st.protected && args.yes) || confirmed_on_tty(st)) {
        writeln!(
            err,
            "refused: the rollback of {id} was not confirmed (pass --yes, give [rollback] confirm = \"{env}\" in --answers FILE, or type it on a terminal)"
        )?;
        return Ok(Some(REFUSED));
    }
    Ok(None)
}

/// Ask on the terminal, when there is one: the environment's name in a protected one, else y.
fn confirmed_on_tty(st: &ReleaseState) -> bool {
    let env = &st.environment;
    let (what, expected) = if st.protected {
        (format!("`{env}`"), env.as_str())
    } else {
        ("y".to_owned(), "y")
    };
    std::io::stdin().is_terminal()
        && typed_on_tty(
            &format!(
                "roll back {} {} in {env}? type {what} to confirm: ",
                st.name, st.version
            ),
            expected,
        )
}

/// Run the rollback (or continue one left unfinished) over a headless driver.
async fn execute(
    r: &crate::exec::resolve::Resolved,
    writer: Writer,
    st: ReleaseState,
    torn: Option<&crate::journal::TornTail>,
    target: Option<String>,
    opts: &PlainOpts,
    out: &mut impl Write,
) -> Result<i32> {
    let rolling_back = st.phase == crate::release::ReleasePhase::RollingBack;
    // A rollback left unfinished (a rollback step failed or was interrupted) is continued:
    // its blocking step is retried, then the rest run.
    let first = if rolling_back {
        match st.current() {
            Some((p, i)) if st.list(p)[i].status.is_blocking() => Msg::Retry,
            _ => Msg::Next,
        }
    } else {
        Msg::Rollback {
            by: r.ctx.operator.clone(),
            target,
        }
    };
    let mut driver = crate::driver::headless(r, writer, st, false)?;
    let mut d = Plain::new(&mut driver, opts, out);
    if let Some(t) = torn {
        d.act(Msg::Record(Event::Note {
            step: None,
            phase: None,
            action: Some("torn-tail".into()),
            extend_ms: None,
            text: format!(
                "a torn last line ({} bytes) was set aside when the journal was reopened",
                t.bytes
            ),
        }))
        .await?;
    }
    let code = match d.act(first).await? {
        Some(_) => {
            d.finish().await?;
            1
        }
        None => d.drive(Mode::Rollback).await?,
    };
    Ok(code)
}
