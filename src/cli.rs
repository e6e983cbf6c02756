//! The command line (clap derive): every subcommand and its options.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "flightdeck",
    version,
    about = "A terminal release cockpit: run a release and its rollback safely, with an audit journal.",
    after_help = "Exit codes: 0 success · 1 failure · 2 usage · 3 rolled back · 4 refused (lock, protected environment, resume needed, operator not allowed)"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

/// Options shared by the commands that resolve a runbook.
#[derive(Debug, Clone, Args)]
pub struct RunbookArgs {
    /// The runbook.
    #[arg(
        short = 'f',
        long = "file",
        value_name = "FILE",
        default_value = "flightdeck.toml"
    )]
    pub file: PathBuf,
    /// Environment to run in (an `[environments.NAME]`); default: `release.environment`.
    #[arg(long = "env", value_name = "NAME")]
    pub env: Option<String>,
    /// Override a variable: `--set vars.NAME=VALUE` (repeatable).
    #[arg(long = "set", value_name = "vars.NAME=VALUE")]
    pub set: Vec<String>,
    /// Override the release version.
    #[arg(long = "release-version", value_name = "V")]
    pub release_version: Option<String>,
    /// Where state and journals live; default: `.flightdeck/` beside the runbook.
    #[arg(long = "state-dir", value_name = "DIR")]
    pub state_dir: Option<PathBuf>,
}

/// Options for commands that only need the state dir.
#[derive(Debug, Clone, Args)]
pub struct StateArgs {
    /// The runbook (its directory holds `.flightdeck/`).
    #[arg(
        short = 'f',
        long = "file",
        value_name = "FILE",
        default_value = "flightdeck.toml"
    )]
    pub file: PathBuf,
    /// Where state and journals live; default: `.flightdeck/` beside the runbook.
    #[arg(long = "state-dir", value_name = "DIR")]
    pub state_dir: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a release: the full-screen cockpit, or plain lines when not on a terminal.
    Run(RunArgs),
    /// Check runbooks statically (no env, files, git or network).
    Check {
        /// Runbooks to check.
        #[arg(value_name = "FILE", default_value = "flightdeck.toml")]
        files: Vec<PathBuf>,
    },
    /// Resolve everything (env, files, git) and print every step rendered; runs nothing.
    Plan(PlanArgs),
    /// Run the rollback steps of the latest release, headless.
    Rollback(RollbackArgs),
    /// Write the release-evidence report (Markdown) of a release; `--incident` for an incident
    /// report. A drill's report is its drill record.
    Report(ReportArgs),
    /// Evaluate every gate once (not `command` gates) and show revisions; exit 1 if any fails.
    Status(StatusArgs),
    /// A small HTTP service for demos and tests (127.0.0.1 only).
    #[command(name = "demo-service", hide = true)]
    DemoService(DemoServiceArgs),
    /// The self-contained demo: a release of a local demo service, a tripped trigger and a
    /// rollback, in the cockpit (needs nothing but this binary; 127.0.0.1 only).
    Demo {
        /// The same story with containers (built locally FROM scratch with busybox) on a
        /// reachable Docker daemon.
        #[arg(long)]
        docker: bool,
        /// Colour theme: dark, light, mono or a user theme.
        #[arg(long, value_name = "NAME")]
        theme: Option<String>,
        /// Maximum redraws per second.
        #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u32).range(1..=120))]
        fps: u32,
        /// Where to write the release-evidence report [default: flightdeck-demo-report.md in
        /// the temporary directory].
        #[arg(long, value_name = "PATH")]
        report: Option<std::path::PathBuf>,
    },
    /// Attach read-only to the release in progress (from another SSH session).
    Observe {
        #[command(flatten)]
        state: StateArgs,
        /// The release id, or `latest`.
        #[arg(default_value = "latest")]
        id: String,
        /// Colour theme: dark, light, mono or a user theme.
        #[arg(long, value_name = "NAME")]
        theme: Option<String>,
    },
    /// Print shell completions.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff).
    Man,
    /// Approve (or reject) the approval step a running release waits on, signed with your SSH
    /// key, from your own shell; `--pre` writes a pre-approval for a headless run.
    Approve(ApproveArgs),
    /// Inspect and verify journals.
    Journal {
        #[command(flatten)]
        state: StateArgs,
        #[command(subcommand)]
        action: JournalAction,
    },
}

#[derive(Debug, Args)]
#[allow(clippy::struct_excessive_bools)] // command-line switches
pub struct RunArgs {
    #[command(flatten)]
    pub runbook: RunbookArgs,
    /// Who runs the release; default: `$SUDO_USER`, else the login user.
    #[arg(long, value_name = "NAME")]
    pub operator: Option<String>,
    /// Colour theme: dark, light, mono or a user theme.
    #[arg(long, value_name = "NAME")]
    pub theme: Option<String>,
    /// Maximum redraws per second.
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u32).range(1..=120))]
    pub fps: u32,
    /// Enable the mouse: a click focuses the pane under the pointer, the wheel scrolls it (it
    /// takes over the terminal's own text selection; hold Shift to select).
    #[arg(long)]
    pub mouse: bool,
    /// Line-oriented output instead of the cockpit (automatic when stdout is not a terminal).
    #[arg(long)]
    pub plain: bool,
    /// Approve what no answers file covers (refused in a protected environment).
    #[arg(long)]
    pub auto_approve: bool,
    /// Answers for headless runs (TOML: [evidence], [approvals.ID], [rollback]).
    #[arg(long, value_name = "FILE")]
    pub answers: Option<PathBuf>,
    /// Take over a stale lock (its process is gone), without asking.
    #[arg(long)]
    pub take_over: bool,
    /// Continue the latest release if it is unfinished (required headless).
    #[arg(long, conflicts_with = "abandon")]
    pub resume: bool,
    /// Close the latest unfinished release as abandoned, with this note, and start a new one.
    #[arg(long, value_name = "NOTE")]
    pub abandon: Option<String>,
    /// Resume even though the runbook changed since the release started (journaled with both
    /// SHA-256 hashes).
    #[arg(long)]
    pub accept_changed_runbook: bool,
    /// A rollback drill: run the release, then its rollback on purpose, and record findings
    /// (headless; refused in a protected environment — use `--env staging`).
    #[arg(long)]
    pub drill: bool,
    /// With `--drill`: skip the deploy and rehearse only the rollback.
    #[arg(long, requires = "drill")]
    pub rollback_only: bool,
    /// The operator's SSH key (a private key file, or a public key whose private half is in
    /// ssh-agent): it names the operator among `allowed_signers`, who never approves their own
    /// release.
    #[arg(long, value_name = "PATH", env = "FLIGHTDECK_KEY")]
    pub key: Option<PathBuf>,
}

/// `flightdeck approve`.
#[derive(Debug, Args)]
pub struct ApproveArgs {
    /// The runbook (its directory holds `.flightdeck/`).
    #[arg(
        short = 'f',
        long = "file",
        value_name = "FILE",
        default_value = "flightdeck.toml"
    )]
    pub file: PathBuf,
    /// Where state and journals live; default: `.flightdeck/` beside the runbook.
    #[arg(long = "state-dir", value_name = "DIR")]
    pub state_dir: Option<PathBuf>,
    /// The approval step's id.
    #[arg(value_name = "STEP")]
    pub step: String,
    /// Why (required with --reject, and by steps with `reason = "required"`).
    #[arg(long, value_name = "TEXT", default_value = "")]
    pub reason: String,
    /// Reject instead: the step fails with your reason.
    #[arg(long)]
    pub reject: bool,
    /// Your SSH key: a private key file, or a public key whose private half is in ssh-agent.
    #[arg(long, value_name = "PATH", env = "FLIGHTDECK_KEY")]
    pub key: Option<PathBuf>,
    /// Do not ask for confirmation (allowed in every environment: approving is your act).
    #[arg(long)]
    pub yes: bool,
    /// Write a pre-approval for a headless run to `-o FILE` instead (no running release).
    #[arg(long, requires_all = ["output", "pre_version", "pre_env"])]
    pub pre: bool,
    /// With --pre: the release version it approves.
    #[arg(long = "release-version", value_name = "V", requires = "pre")]
    pub pre_version: Option<String>,
    /// With --pre: the environment it approves.
    #[arg(long = "env", value_name = "NAME", requires = "pre")]
    pub pre_env: Option<String>,
    /// With --pre: where to write the signed pre-approval.
    #[arg(short = 'o', long = "output", value_name = "FILE", requires = "pre")]
    pub output: Option<PathBuf>,
    /// With --pre: how long it stays valid.
    #[arg(long, value_name = "DURATION", default_value = "24h", requires = "pre")]
    pub expires: String,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    #[command(flatten)]
    pub state: StateArgs,
    /// The release id, or `latest`.
    #[arg(default_value = "latest")]
    pub id: String,
    /// Write the report here instead of stdout.
    #[arg(short = 'o', long = "output", value_name = "OUT")]
    pub output: Option<PathBuf>,
    /// An incident report (seed 004's template) with the timeline from the journal.
    #[arg(long)]
    pub incident: bool,
}

#[derive(Debug, Args)]
pub struct PlanArgs {
    #[command(flatten)]
    pub runbook: RunbookArgs,
    /// Operator name used in templates.
    #[arg(long, value_name = "NAME")]
    pub operator: Option<String>,
}

#[derive(Debug, Args)]
pub struct RollbackArgs {
    #[command(flatten)]
    pub runbook: RunbookArgs,
    #[arg(long, value_name = "NAME")]
    pub operator: Option<String>,
    /// Confirm without asking (refused in a protected environment).
    #[arg(long)]
    pub yes: bool,
    /// Answers file whose `[rollback] confirm` names the environment.
    #[arg(long, value_name = "FILE")]
    pub answers: Option<PathBuf>,
    /// The operator's SSH key (as for `run`).
    #[arg(long, value_name = "PATH", env = "FLIGHTDECK_KEY")]
    pub key: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    #[command(flatten)]
    pub runbook: RunbookArgs,
    /// Print one JSON object (shape in docs/runbook.md) instead of a table.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Args)]
pub struct DemoServiceArgs {
    /// Port on 127.0.0.1; 0 picks a free one (the first line printed names it).
    #[arg(long, default_value_t = 8080)]
    pub port: u16,
    /// Version served at /api/system/version.
    #[arg(long = "version", value_name = "V", default_value = "1.0.0")]
    pub service_version: String,
    /// Share of /work requests (and synthetic traffic) answered with 500, 0.0 to 1.0.
    #[arg(long, default_value_t = 0.0)]
    pub fail_rate: f64,
    /// When this file exists, its content (a number) overrides --fail-rate.
    #[arg(long, value_name = "PATH")]
    pub fail_rate_file: Option<PathBuf>,
    /// How long /slow sleeps, in milliseconds.
    #[arg(long, default_value_t = 0)]
    pub delay_ms: u64,
    /// When this file exists, /health answers 503.
    #[arg(long, value_name = "PATH")]
    pub down_file: Option<PathBuf>,
    /// Commit id served at /api/system/version; default: derived from the version.
    #[arg(long)]
    pub sha: Option<String>,
    /// Environment name served at /api/system/version.
    #[arg(long, default_value = "demo")]
    pub environment: String,
    /// Synthetic requests per second (counted in /metrics); 0 turns them off.
    #[arg(long, default_value_t = 20)]
    pub synthetic_rps: u32,
}

#[derive(Debug, Subcommand)]
pub enum JournalAction {
    /// List the releases in the state dir, newest first.
    List,
    /// Show one journal (`latest` for the newest).
    Show {
        #[arg(default_value = "latest")]
        id: String,
    },
    /// Verify the hash chain and head of one journal, or of all; with the runbook's
    /// `[trust]` and `[journal]`, also its seals and anchors.
    Verify {
        id: Option<String>,
        /// Do not fetch the anchors from `[journal] remote`: check the local refs only.
        #[arg(long)]
        offline: bool,
        /// The `allowed_signers` file to verify signatures against (default: the runbook's
        /// `[trust] allowed_signers`).
        #[arg(long = "allowed-signers", value_name = "PATH")]
        allowed_signers: Option<PathBuf>,
    },
    /// Push a release's anchor ref (`refs/flightdeck/<release-id>`) to `[journal] remote` with
    /// your own git (`latest` for the newest release).
    Push {
        #[arg(default_value = "latest")]
        id: String,
    },
}
