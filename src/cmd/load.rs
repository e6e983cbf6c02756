//! Loading and resolving a runbook for a command, with errors printed as `FILE:LINE:COL`.

use std::io::Write;
use std::path::Path;

use color_eyre::eyre::Result;

use crate::cli::RunbookArgs;
use crate::exec::resolve::{Options, Resolved, parse_set, resolve};
use crate::journal::StateDir;
use crate::runbook::load::load_file;

/// Build resolve options from the command line.
pub fn opts_from(args: &RunbookArgs, operator: Option<String>) -> Result<Options> {
    let sets = args
        .set
        .iter()
        .map(|s| parse_set(s))
        .collect::<Result<Vec<_>>>()?;
    Ok(Options {
        env: args.env.clone(),
        operator,
        release_version: args.release_version.clone(),
        sets,
        state_dir: Some(state_dir(&args.file, args.state_dir.as_deref(), None).root),
    })
}

/// Load `file` and resolve it. `Err(code)` when the runbook is invalid (errors printed).
pub fn load_resolved(
    file: &Path,
    opts: &Options,
    err: &mut impl Write,
) -> Result<std::result::Result<Resolved, i32>> {
    let shown = file.display().to_string();
    match load_file(file) {
        Ok(loaded) => {
            let source = std::fs::read_to_string(file).unwrap_or_default();
            for w in &loaded.warnings {
                writeln!(err, "{}", w.render(&shown, &source))?;
            }
            Ok(Ok(resolve(loaded.runbook, source, opts)?))
        }
        Err(f) => {
            if let Some(io) = &f.io_error {
                writeln!(err, "{shown}: {io}")?;
            }
            let src = f.source.clone().unwrap_or_default();
            for d in &f.diagnostics {
                writeln!(err, "{}", d.render(&shown, &src))?;
            }
            writeln!(
                err,
                "{shown}: invalid runbook; `flightdeck check {shown}` lists every error"
            )?;
            Ok(Err(1))
        }
    }
}

/// The state dir: `--state-dir`, else `.flightdeck/` beside the runbook.
pub fn state_dir(file: &Path, over: Option<&Path>, shared_group: Option<String>) -> StateDir {
    let root = if let Some(d) = over {
        d.to_path_buf()
    } else {
        let dir = file
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        dir.join(".flightdeck")
    };
    StateDir { root, shared_group }
}
