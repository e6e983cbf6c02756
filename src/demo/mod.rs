//! `flightdeck demo`: the whole story with nothing but the binary. It writes a runbook, a git
//! repository (so `previous` is v1.0.0) and starts v1 of the demo service on a free
//! 127.0.0.1 port in a temporary directory, then runs the cockpit with a guide line. The
//! service processes and the directory are removed on every exit path.
//!
//! Parts: [`service`] (the demo HTTP service), [`latency`] (its latency histogram), [`guide`] (what to press next), [`setup`].

pub mod guide;
pub mod latency;
pub mod service;
mod setup;

use std::io::Write;

use color_eyre::eyre::{Result, WrapErr};

use crate::cmd::load::{load_resolved, state_dir};
use crate::cmd::run::release_started;
use crate::exec::resolve::Options;
use crate::journal::report::{Kind, Source};
use crate::journal::{Hasher, Writer};
use crate::release::{Msg, ReleaseState};

pub use setup::DemoDir;

/// Run the demo; the evidence report goes to `report` (default: `flightdeck-demo-report.md`
/// in the temporary directory). Returns the exit code: 0 when the story ran to its end (the
/// release was rolled back, as the story goes, or completed), 1 otherwise.
pub async fn run(
    docker: bool,
    theme: Option<String>,
    fps: u32,
    report: Option<std::path::PathBuf>,
    out: &mut impl Write,
    err: &mut impl Write,
) -> Result<i32> {
    let demo = if docker {
        DemoDir::create_docker()?
    } else {
        DemoDir::create()?
    };
    let file = demo.runbook();
    let opts = Options {
        operator: Some(crate::exec::resolve::operator(None)),
        ..Options::default()
    };
    let r = match load_resolved(&file, &opts, err)? {
        Ok(r) => r,
        Err(code) => return Ok(code),
    };
    let dir = state_dir(&file, None, None);
    dir.ensure()?;
    let id = crate::cmd::run::free_release_id(&dir, &r.runbook.release.name, &r.ctx.version);
    let writer = Writer::create(&dir, &id, Hasher::from_env())?;
    let mut d = crate::driver::live(&r, writer, ReleaseState::default())?;
    let initial = vec![Msg::Begin(release_started(&r, &id, false))];
    let opts = crate::cockpit::CockpitOpts {
        theme,
        fps,
        mouse: false,
        warning: None,
        guide: Some(guide::next),
    };
    let code = crate::cockpit::start(&mut d, ReleaseState::default(), initial, &opts).await?;
    // Keep the evidence: the report outlives the demo's directory.
    let path = dir.resolve("latest")?;
    let src = Source::load(&path, &Hasher::from_env())?;
    let report = report.unwrap_or_else(|| std::env::temp_dir().join("flightdeck-demo-report.md"));
    crate::journal::report::write(&src, Kind::Evidence, &report)
        .wrap_err_with(|| format!("cannot write the report {}", report.display()))?;
    writeln!(
        out,
        "flightdeck demo: the release {}.",
        crate::journal::report::outcome(&src.state)
    )?;
    writeln!(
        out,
        "Its release-evidence report (from the hash-chained journal): {}",
        report.display()
    )?;
    writeln!(
        out,
        "Next: `flightdeck check`, `plan` and `run` on a runbook of your own — see README.md."
    )?;
    drop(demo);
    Ok(if code == 3 { 0 } else { code })
}
