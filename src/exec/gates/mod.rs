//! Gate evaluation (DESIGN.md §3.1, "Gates"): one measurement of one gate, as pass, fail or
//! error, with the measured value and a one-line message. One file per gate kind.
//!
//! - *pass* / *fail*: the gate was measured; a failure names the value and the threshold.
//! - *error*: it could not be measured (timeout, refused connection, bad data). Triggers count
//!   errors apart from failures (§3.3).
//!
//! Messages never contain the values of `[secrets]`: they are masked (with the project's
//! [`Masker`]) before they leave here.

pub mod command;
pub mod docker;
pub mod env;
pub mod file;
pub mod git;
pub mod http;
pub mod prometheus;
pub mod release;
pub mod tcp;
pub mod tls;

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::Serialize;
use serde_json::Value;

use crate::exec::resolve::Resolved;
use crate::exec::runtime::masker_for;
use crate::journal::StateDir;
use crate::logs::Masker;
use crate::runbook::template::{self, Context};
use crate::runbook::{Dur, Gate, GateKind, Tpl};

/// The default of a gate's `timeout`.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);

/// How one evaluation ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum GateState {
    Pass,
    Fail,
    Error,
}

/// One measurement as a log line: `✔ health: 200 in 41 ms`.
pub fn log_line(gate: &str, o: &GateOutcome) -> String {
    let mark = match o.state {
        GateState::Pass => "✔",
        GateState::Fail => "✖",
        GateState::Error => "?",
    };
    format!("{mark} {gate}: {}", o.message)
}

impl GateState {
    pub fn as_str(self) -> &'static str {
        match self {
            GateState::Pass => "pass",
            GateState::Fail => "fail",
            GateState::Error => "error",
        }
    }
    /// The mark shown beside the gate (never colour alone).
    pub fn mark(self) -> &'static str {
        match self {
            GateState::Pass => "✔",
            GateState::Fail => "✖",
            GateState::Error => "?",
        }
    }
}

impl fmt::Display for GateState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One evaluation of a gate.
#[derive(Debug, Clone, PartialEq)]
pub struct GateOutcome {
    pub state: GateState,
    /// The measurement: a number, a string or null.
    pub value: Value,
    pub message: String,
    /// On a failure, the value the failed check expected (`2.0.0`, `200`, `branch main`),
    /// when it has one; a condition or a threshold is in the message instead.
    pub expected: Option<String>,
    pub took: Duration,
}

impl GateOutcome {
    pub fn pass(value: Value, message: impl Into<String>) -> Self {
        Self::new(GateState::Pass, value, message)
    }
    pub fn fail(value: Value, message: impl Into<String>) -> Self {
        Self::new(GateState::Fail, value, message)
    }
    pub fn error(message: impl Into<String>) -> Self {
        Self::new(GateState::Error, Value::Null, message)
    }
    fn new(state: GateState, value: Value, message: impl Into<String>) -> Self {
        Self {
            state,
            value,
            message: message.into(),
            expected: None,
            took: Duration::ZERO,
        }
    }
    /// Keep the measured value (an error whose condition could not be decided).
    #[must_use]
    pub fn with_value(mut self, value: Value) -> Self {
        self.value = value;
        self
    }
    /// The value a failed check expected.
    #[must_use]
    pub fn expecting(mut self, want: impl Into<String>) -> Self {
        self.expected = Some(want.into());
        self
    }
}

/// What gates are evaluated against.
#[derive(Debug, Clone)]
pub struct GateCx {
    /// The template context (its `env` is also where `env` gates and `password_env` look).
    pub ctx: Context,
    /// Relative paths resolve here.
    pub runbook_dir: PathBuf,
    /// Where `release` gates read journals.
    pub state_dir: Option<StateDir>,
    /// `[secrets] env`: the only variables `basic_auth` may read a password from.
    pub secrets: Vec<String>,
    /// Masks secret values (and secret-looking patterns) in every message and value.
    pub masker: Masker,
    /// The `[git] path`, resolved; `git` gates use the runbook dir without one.
    pub git_path: Option<PathBuf>,
    /// The `[git] release_tags` glob: what `head_tagged` counts (any tag without `[git]`).
    pub release_tags: Option<String>,
    /// One client for every HTTP and Prometheus gate of this context (connections are not
    /// pooled), built at the first request: loading the system's roots costs start-up time
    /// that a runbook without such gates should not pay. See [`GateCx::http`].
    http_client: std::sync::Arc<std::sync::OnceLock<reqwest::Client>>,
    /// `[[services]]` and the Docker hosts, for `docker` gates.
    pub services: Vec<crate::runbook::Service>,
    pub docker_hosts: Vec<crate::runbook::DockerHost>,
    /// The baseline of the gate being measured (`baseline` in its conditions), when taken.
    pub baseline: Option<f64>,
    /// The release's baselines as they are taken (the gates pane's background refresh);
    /// steps and triggers read them from `ctx.baselines` instead.
    pub live_baselines: Option<tokio::sync::watch::Receiver<Baselines>>,
}

/// Gate baselines by gate id: the median taken, or why there is none.
pub type Baselines = std::collections::BTreeMap<String, Result<f64, String>>;

impl GateCx {
    /// A context with no state dir, no secrets and no `[git]`.
    pub fn new(ctx: Context, runbook_dir: impl Into<PathBuf>) -> Self {
        Self {
            ctx,
            runbook_dir: runbook_dir.into(),
            state_dir: None,
            secrets: Vec::new(),
            masker: Masker::default(),
            git_path: None,
            release_tags: None,
            http_client: std::sync::Arc::default(),
            services: Vec::new(),
            docker_hosts: Vec::new(),
            baseline: None,
            live_baselines: None,
        }
    }

    /// The HTTP client, built on first use and shared by clones of this context.
    pub fn http(&self) -> &reqwest::Client {
        self.http_client.get_or_init(http::client)
    }

    /// The context of a resolved runbook.
    pub fn from_resolved(r: &Resolved, state_dir: Option<StateDir>) -> Self {
        let mut cx = Self::new(r.ctx.clone(), r.runbook.dir.clone());
        cx.state_dir = state_dir;
        cx.secrets.clone_from(&r.runbook.secrets);
        cx.masker = masker_for(r).0;
        cx.git_path = r.runbook.git.as_ref().map(|g| r.path(&g.path));
        cx.release_tags = r.runbook.git.as_ref().map(|g| g.release_tags.clone());
        cx.services.clone_from(&r.runbook.services);
        cx.docker_hosts = crate::watch::docker::hosts_for(&r.runbook.dir, &r.runbook.docker_hosts);
        cx
    }

    /// A runbook path, resolved against the runbook's directory.
    pub fn path(&self, p: &str) -> PathBuf {
        let p = Path::new(p);
        if p.is_absolute() {
            p.to_path_buf()
        } else {
            self.runbook_dir.join(p)
        }
    }

    /// Render a template, or say why not.
    pub fn render(&self, tpl: &Tpl) -> Result<String, String> {
        template::render(tpl, &self.ctx).map_err(|e| format!("`{}`: {}", tpl.src, e.message))
    }

    /// Render a duration, or say why not.
    pub fn duration(&self, d: &Dur) -> Result<Duration, String> {
        template::render_duration(d, &self.ctx).map_err(|e| e.message)
    }

    /// Set `[secrets] env` and mask those variables' values (as `ctx.env` holds them).
    #[must_use]
    pub fn with_secrets(mut self, names: &[String]) -> Self {
        self.secrets = names.to_vec();
        self.masker = Masker::new(names.iter().filter_map(|n| self.ctx.env.get(n)));
        self
    }
}

/// Evaluate `gate` once. Never panics and never takes much longer than the gate's `timeout`.
pub async fn evaluate(gate: &Gate, cx: &GateCx) -> GateOutcome {
    let started = Instant::now();
    // The gate's baseline, when taken, is `baseline` in its conditions.
    let scoped;
    let live = cx
        .live_baselines
        .as_ref()
        .and_then(|rx| rx.borrow().get(&gate.id).cloned());
    let cx = match live.or_else(|| cx.ctx.baselines.get(&gate.id).cloned()) {
        Some(Ok(b)) if cx.baseline != Some(b) => {
            scoped = GateCx {
                baseline: Some(b),
                ..cx.clone()
            };
            &scoped
        }
        _ => cx,
    };
    let mut out = match cx.duration(&gate.timeout) {
        Err(why) => GateOutcome::error(format!("timeout: {why}")),
        Ok(timeout) => {
            // Each kind enforces `timeout` itself, with a precise message; this is the backstop.
            let guard = timeout.saturating_add(Duration::from_secs(1));
            match tokio::time::timeout(guard, measure(&gate.kind, cx, timeout)).await {
                Ok(o) => o,
                Err(_) => GateOutcome::error(format!("timed out after {}", fmt_dur(timeout))),
            }
        }
    };
    cx.masker.mask_in_place(&mut out.message);
    if let Some(want) = &mut out.expected {
        cx.masker.mask_in_place(want);
    }
    if let Value::String(s) = &mut out.value {
        cx.masker.mask_in_place(s);
    }
    out.took = started.elapsed();
    out
}

async fn measure(kind: &GateKind, cx: &GateCx, timeout: Duration) -> GateOutcome {
    match kind {
        GateKind::Http { .. } => http::evaluate(kind, cx, timeout).await,
        GateKind::Tcp { address } => tcp::evaluate(address, cx, timeout).await,
        GateKind::Env { names, template } => env::evaluate(names, template.as_deref(), cx),
        GateKind::File { .. } => file::evaluate(kind, cx).await,
        GateKind::Tls {
            address,
            min_days,
            verify_chain,
        } => tls::evaluate(address, *min_days, *verify_chain, cx, timeout).await,
        GateKind::Command { run, env } => command::evaluate(run, env, cx, timeout).await,
        GateKind::Prometheus { .. } => prometheus::evaluate(kind, cx, timeout).await,
        GateKind::Git {
            clean,
            branch,
            head_tagged,
        } => git::evaluate(*clean, branch.clone(), *head_tagged, cx).await,
        GateKind::Docker {
            service,
            healthy,
            max_restarts,
            image_is_target,
        } => {
            let checks = docker::Checks {
                healthy: *healthy,
                max_restarts: *max_restarts,
                image_is_target: *image_is_target,
            };
            docker::evaluate(service, &checks, cx).await
        }
        GateKind::Release { .. } => release::evaluate(kind, cx).await,
    }
}

/// Milliseconds with one decimal, as a JSON number.
pub fn millis(d: Duration) -> Value {
    number((d.as_secs_f64() * 10_000.0).round() / 10.0)
}

/// A finite number as JSON; NaN and infinities are null.
pub fn number(x: f64) -> Value {
    serde_json::Number::from_f64(x).map_or(Value::Null, Value::Number)
}

/// A measurement as text: up to four decimals, no trailing zeros (`0.0123`, `41`).
pub fn fmt_num(x: f64) -> String {
    let s = format!("{x:.4}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".into() } else { s.into() }
}

/// A duration as an operator reads it: `850ms`, `42s`, `5m 10s`, `1h`, `27h 3m`, `3d 4h`.
pub fn fmt_dur(d: Duration) -> String {
    let s = d.as_secs();
    match s {
        0 => format!("{}ms", d.as_millis()),
        1..60 => format!("{s}s"),
        60..3600 => pair(s / 60, "m", s % 60, "s"),
        3600..172_800 => pair(s / 3600, "h", s % 3600 / 60, "m"),
        _ => pair(s / 86_400, "d", s % 86_400 / 3600, "h"),
    }
}

/// `5m 10s`, or `5m` when the smaller unit is zero.
fn pair(big: u64, b: &str, small: u64, s: &str) -> String {
    if small == 0 {
        format!("{big}{b}")
    } else {
        format!("{big}{b} {small}{s}")
    }
}

/// An error and its causes on one line, most specific last; no duplicated parts.
pub fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut cur = Some(e);
    while let Some(err) = cur {
        let text = err.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        cur = err.source();
    }
    parts.join(": ")
}

/// Run blocking work (files, git, journals) off the async threads.
pub(crate) async fn blocking<F>(f: F) -> GateOutcome
where
    F: FnOnce() -> GateOutcome + Send + 'static,
{
    tokio::task::spawn_blocking(f)
        .await
        .unwrap_or_else(|e| GateOutcome::error(format!("the check panicked: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_durations_read_well() {
        assert_eq!(fmt_num(0.012_34), "0.0123");
        assert_eq!(fmt_num(41.0), "41");
        assert_eq!(fmt_num(-0.000_01), "0");
        assert_eq!(fmt_dur(Duration::from_millis(850)), "850ms");
        assert_eq!(fmt_dur(Duration::from_secs(310)), "5m 10s");
        assert_eq!(fmt_dur(Duration::from_secs(27 * 3600 + 180)), "27h 3m");
        assert_eq!(fmt_dur(Duration::from_secs(3 * 86_400 + 4 * 3600)), "3d 4h");
        assert_eq!(fmt_dur(Duration::from_secs(3600)), "1h");
        assert_eq!(
            millis(Duration::from_micros(41_249)),
            serde_json::json!(41.2)
        );
        assert_eq!(number(f64::NAN), Value::Null);
    }

    #[test]
    fn secrets_are_masked() {
        let mut ctx = Context::default();
        ctx.env.insert("PW".into(), "hunter2".into());
        ctx.env.insert("EMPTY".into(), String::new());
        let cx = GateCx::new(ctx, "/").with_secrets(&["PW".into(), "EMPTY".into(), "UNSET".into()]);
        assert_eq!(cx.masker.mask("login hunter2 failed"), "login •••• failed");
    }
}
