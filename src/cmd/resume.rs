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

/// Runbook pinning (DESIGN.md §9.2): the hash `release-started` recorded for release `id`, and
/// the runbook's hash now. `Ok(None)`: unchanged (or an old journal without the field);
/// `Ok(Some(note))`: changed and accepted, the note to journal; `Err(why)`: changed, refused.
pub(super) fn pinned_runbook(
    dir: &StateDir,
    id: &str,
    runbook_sha256: &str,
    accept: bool,
) -> Result<std::result::Result<Option<Msg>, String>> {
    let read = crate::journal::read(&dir.journal_path(id))?;
    let started = read.records.iter().find_map(|r| match replay::event_of(r) {
        Ok((crate::release::Event::ReleaseStarted { runbook_sha256, .. }, _)) => {
            Some(runbook_sha256)
        }
        _ => None,
    });
    let Some(Some(then)) = started else {
        return Ok(Ok(None));
    };
    Ok(pin_decision(&then, runbook_sha256, accept))
}

/// The decision of [`pinned_runbook`] for the two hashes.
pub(super) fn pin_decision(
    then: &str,
    now: &str,
    accept: bool,
) -> std::result::Result<Option<Msg>, String> {
    if then == now {
        return Ok(None);
    }
    if !accept {
        return Err(format!(
            "refused: the runbook changed since the release started: sha256 {then} → {now}; pass --accept-changed-runbook to resume anyway"
        ));
    }
    Ok(Some(Msg::Record(crate::release::Event::Note {
        step: None,
        phase: None,
        action: Some("accept-changed-runbook".into()),
        text: format!(
            "resumed with a changed runbook (--accept-changed-runbook): sha256 {then} → {now}"
        ),
        extend_ms: None,
    })))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unchanged_runbook_resumes_quietly() {
        assert_eq!(pin_decision("aa", "aa", false), Ok(None));
        assert_eq!(pin_decision("aa", "aa", true), Ok(None));
    }

    #[test]
    fn a_changed_runbook_is_refused_with_both_hashes() {
        let why = pin_decision("aa", "bb", false).expect_err("refused");
        assert!(why.contains("sha256 aa → bb"), "{why}");
        assert!(why.contains("--accept-changed-runbook"), "{why}");
    }

    #[test]
    fn accepting_a_changed_runbook_journals_both_hashes() {
        let Ok(Some(Msg::Record(crate::release::Event::Note { action, text, .. }))) =
            pin_decision("aa", "bb", true)
        else {
            panic!("a note");
        };
        assert_eq!(action.as_deref(), Some("accept-changed-runbook"));
        assert!(text.contains("aa → bb"), "{text}");
    }
}
