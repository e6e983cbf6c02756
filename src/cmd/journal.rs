//! `flightdeck journal list | show ID | verify [ID] | push [ID]`.

use std::io::Write;

use color_eyre::eyre::Result;

use super::load::state_dir;
use crate::cli::{JournalAction, StateArgs};
use crate::journal::cli;

pub fn run(
    state: &StateArgs,
    action: &JournalAction,
    out: &mut impl Write,
    err: &mut impl Write,
) -> Result<i32> {
    let dir = state_dir(&state.file, state.state_dir.as_deref(), None);
    match action {
        JournalAction::List => cli::list(&dir, out),
        JournalAction::Show { id } => cli::show(&dir, id, out),
        JournalAction::Verify {
            id,
            offline,
            allowed_signers,
        } => {
            let trust = super::journal_trust::trust_check(
                &state.file,
                allowed_signers.as_deref(),
                *offline,
            );
            cli::verify_cmd_trusted(&dir, id.as_deref(), &trust, out, err)
        }
        JournalAction::Push { id } => super::journal_trust::push(&state.file, &dir, id, out, err),
    }
}
