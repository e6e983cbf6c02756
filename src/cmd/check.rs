//! `flightdeck check FILE…`: static checks, every error as `FILE:LINE:COL: message`.

use std::io::Write;
use std::path::PathBuf;

use color_eyre::eyre::Result;

use crate::runbook::check::check_file;

pub fn run(files: &[PathBuf], out: &mut impl Write, err: &mut impl Write) -> Result<i32> {
    let mut code = 0;
    for f in files {
        let report = check_file(f);
        let ok = report.summary.is_some();
        for line in report.render_lines() {
            if ok && line.starts_with("ok:") {
                writeln!(out, "{line}")?;
            } else {
                writeln!(err, "{line}")?;
            }
        }
        if !ok {
            code = 1;
        }
    }
    Ok(code)
}
