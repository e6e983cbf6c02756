//! An unfinished release: asking to resume it, taking over a stale lock, abandoning it.

use std::io::Write;

use color_eyre::eyre::{Result, eyre};

use crate::exec::resolve::Resolved;
use crate::journal::{Hasher, LockInfo, StateDir, Writer, lock};
use crate::plain::{Plain, PlainOpts};
use crate::release::{Msg, ReleaseState, replay};
/// The operator's answer to "resume it?".
pub(super) enum ResumeAnswer {
    Resume,
    Abandon(String),
}

/// Ask on the terminal whether to resume an unfinished release: one key (None: cancelled).
pub(super) fn ask_resume(id: &str, st: &ReleaseState) -> Option<ResumeAnswer> {
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
    let a = super::ask::one_key(
        &format!(
            "release {id} is unfinished{at}.\nResume it? y resumes · n abandons (asks for a note) · any other key cancels"
        ),
        &['y', 'Y', 'n', 'N'],
    )?;
    if a.eq_ignore_ascii_case(&'y') {
        Some(ResumeAnswer::Resume)
    } else {
        crate::plain::ask_tty("note for abandoning it: ").map(ResumeAnswer::Abandon)
    }
}

/// Before the cockpit starts, a stale lock is taken over when the operator presses `y`.
pub(super) fn stale_lock_confirmed(dir: &StateDir) -> bool {
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
    super::ask::one_key(
        &format!(
            "a stale lock is left by {} (that process is gone).\nTake it over? y takes it over · any other key leaves it",
            info.describe()
        ),
        &['y', 'Y'],
    )
    .is_some()
}

/// Close an unfinished release as abandoned, with the operator's note.
pub(super) async fn abandon(
    r: &Resolved,
    dir: &StateDir,
    id: &str,
    note: &str,
    out: &mut impl Write,
) -> Result<()> {
    let (writer, read) = Writer::open_existing(dir, id, Hasher::from_env())?;
    let st = replay::from_records(&read.records).map_err(|e| eyre!("{id}: {e}"))?;
    let mut driver = crate::driver::headless(r, writer, st, false)?;
    let opts = PlainOpts::default();
    let mut d = Plain::new(&mut driver, &opts, out);
    if let Some(why) = d
        .act(Msg::Abandon {
            note: note.to_owned(),
        })
        .await?
    {
        return Err(eyre!("cannot abandon {id}: {why}"));
    }
    d.finish().await?;
    Ok(())
}
