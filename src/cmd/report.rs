//! `flightdeck report [ID|latest] [-o OUT] [--incident]`: Markdown from a journal.

use std::io::Write;

use color_eyre::eyre::Result;

use super::load::state_dir;
use crate::cli::ReportArgs;
use crate::journal::Hasher;
use crate::journal::report::{Kind, Source, render};

pub fn run(args: &ReportArgs, out: &mut impl Write, err: &mut impl Write) -> Result<i32> {
    let dir = state_dir(&args.state.file, args.state.state_dir.as_deref(), None);
    let path = dir.resolve(&args.id)?;
    let signers = super::journal_trust::trust_check(&args.state.file, None, true).allowed_signers;
    let mut src = Source::load_with(&path, &Hasher::from_env(), signers.as_deref())?;
    src.allowed_signers = signers;
    // An approval whose signature fails makes the journal fail to verify, as in `journal
    // verify` (signatures not checked for want of allowed_signers are said in the section).
    let signatures = crate::journal::verify_signatures::check(
        &src.records,
        &src.id,
        src.allowed_signers.as_deref(),
    );
    for p in signatures.problems().into_iter().filter(|p| p.line > 0) {
        src.problems.push(format!("line {}: {}", p.line, p.message));
        src.verify_ok = false;
    }
    let kind = if args.incident {
        Kind::Incident
    } else if src.state.drill {
        Kind::Drill
    } else {
        Kind::Evidence
    };
    match &args.output {
        Some(p) => {
            crate::journal::report::write(&src, kind, p)?;
            writeln!(err, "wrote {}", p.display())?;
        }
        None => out.write_all(render(&src, kind).as_bytes())?,
    }
    if !src.verify_ok {
        writeln!(
            err,
            "warning: {} does not verify: {}",
            src.path,
            src.problems.join("; ")
        )?;
        return Ok(1);
    }
    Ok(0)
}
