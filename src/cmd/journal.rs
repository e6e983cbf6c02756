//! `flightdeck journal list | show ID | verify [ID]`.

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
            allowed_signers,
        } => {
            let signers = allowed_signers
                .clone()
                .or_else(|| crate::journal::verify_signatures::allowed_signers_for(&state.file));
            cli::verify_cmd(&dir, id.as_deref(), signers.as_deref(), out, err)
        }
    }
}
