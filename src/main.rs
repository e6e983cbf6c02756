//! The `flightdeck` binary: install error reporting, parse the command line, dispatch.

use std::io::Write;

use clap::Parser;
use flightdeck::cli::{Cli, Command};
use flightdeck::cmd;

fn main() {
    let _ = color_eyre::install();
    let cli = Cli::parse();
    match dispatch(&cli) {
        Ok(code) => std::process::exit(code),
        Err(e) => {
            // Never panic here: stderr may be a terminal that is gone.
            let _ = writeln!(std::io::stderr(), "flightdeck: error: {e:#}");
            std::process::exit(1);
        }
    }
}

fn dispatch(cli: &Cli) -> color_eyre::Result<i32> {
    let (mut out, mut err) = (std::io::stdout(), std::io::stderr());
    Ok(match &cli.command {
        Command::Approve(a) => cmd::approve::run(a, &mut out, &mut err)?,
        Command::Check { files } => cmd::check::run(files, &mut out, &mut err)?,
        Command::Plan(a) => cmd::plan::run(a, &mut out, &mut err)?,
        Command::Report(a) => cmd::report::run(a, &mut out, &mut err)?,
        Command::Journal { state, action } => cmd::journal::run(state, action, &mut out, &mut err)?,
        Command::Run(a) => runtime()?.block_on(cmd::run::run(a, &mut out, &mut err))?,
        Command::Rollback(a) => runtime()?.block_on(cmd::rollback::run(a, &mut out, &mut err))?,
        Command::Demo {
            docker,
            theme,
            fps,
            report,
        } => runtime()?.block_on(flightdeck::demo::run(
            *docker,
            theme.clone(),
            *fps,
            report.clone(),
            &mut out,
            &mut err,
        ))?,
        Command::Observe { state, id, theme } => {
            runtime()?.block_on(cmd::observe::run(state, id, theme.as_deref()))?
        }
        Command::Completions { shell } => {
            let mut c = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(*shell, &mut c, "flightdeck", &mut out);
            0
        }
        Command::Man => {
            let c = <Cli as clap::CommandFactory>::command();
            clap_mangen::Man::new(c).render(&mut out)?;
            0
        }
        Command::Status(a) => runtime()?.block_on(cmd::status::run(a, &mut out, &mut err))?,
        Command::DemoService(a) => {
            runtime()?.block_on(flightdeck::demo::service::run(a.clone()))?
        }
    })
}

/// One thread: the cockpit's loop, the log streams, the executors and the watchers share it.
/// Under a log storm this costs less CPU than worker threads waking each other for every read
/// (docs/performance.md, "Log storms"); blocking work goes to `spawn_blocking`.
fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
}
