//! `flightdeck rollback`: run the rollback steps of the latest release, headless.

use std::io::{BufRead, IsTerminal, Write};

use color_eyre::eyre::{Result, eyre};

use super::load::{load_resolved, opts_from, state_dir};
use super::run::{REFUSED, take_lock};
use crate::answers::Answers;
use crate::cli::RollbackArgs;
use crate::exec::resolve::headless_rollback_target;
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

#[allow(clippy::too_many_lines)] // confirmation rules, each with its message
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
    let fixed = st
        .rollback_target
        .clone()
        .or_else(|| st.armed.as_ref().and_then(|a| a.target.clone()));
    let answer = answers
        .as_ref()
        .and_then(|a| a.rollback.as_ref())
        .and_then(|a| a.target.as_deref());
    let target = match headless_rollback_target(&r, answer, fixed) {
        Ok(t) => t,
        Err(why) => {
            writeln!(err, "cannot roll back: {why}")?;
            return Ok(1);
        }
    };
    let env = st.environment.clone();
    let by_answers = answers.as_ref().is_some_and(|a| a.confirms_rollback(&env));
    let confirmed = if st.protected {
        if args.yes {
            writeln!(
                err,
                "refused: --yes is not accepted in the protected environment `{env}`; type its name on the terminal, or give [rollback] confirm = \"{env}\" in --answers FILE"
            )?;
            return Ok(REFUSED);
        }
        by_answers
            || (std::io::stdin().is_terminal()
                && typed_on_tty(
                    &format!(
                        "roll back {} {} in {env}? type `{env}` to confirm: ",
                        st.name, st.version
                    ),
                    &env,
                ))
    } else {
        args.yes
            || by_answers
            || (std::io::stdin().is_terminal()
                && typed_on_tty(
                    &format!(
                        "roll back {} {} in {env}? type y to confirm: ",
                        st.name, st.version
                    ),
                    "y",
                ))
    };
    if !confirmed {
        writeln!(
            err,
            "refused: the rollback of {id} was not confirmed (pass --yes, give [rollback] confirm = \"{env}\" in --answers FILE, or type it on a terminal)"
        )?;
        return Ok(REFUSED);
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
