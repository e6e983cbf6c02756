//! Gates and their trigger fields (DESIGN.md §3.1, §3.3).

use std::collections::BTreeMap;
use std::time::Duration;

use super::{Dur, Span, Tpl};

/// Trigger fields (DESIGN.md §3.3), present on every gate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TriggerSpec {
    pub for_: Option<Dur>,
    pub failure_limit: u32,
    pub consecutive_error_limit: u32,
    pub initial_delay: Dur,
    pub dry_run: bool,
    /// `warn = "CONDITION"` (DESIGN.md §10): a result that passes the gate but fails this
    /// condition is `warn` (checked when the runbook loads).
    pub warn: Option<String>,
}

impl Default for TriggerSpec {
    fn default() -> Self {
        Self {
            for_: None,
            failure_limit: 0,
            consecutive_error_limit: 4,
            initial_delay: Dur::Fixed(Duration::ZERO),
            dry_run: false,
            warn: None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Gate {
    pub id: String,
    pub kind: GateKind,
    pub interval: Dur,
    pub timeout: Dur,
    pub trigger: TriggerSpec,
    /// `baseline = { before = "STEP", samples = N }` (DESIGN.md §10).
    pub baseline: Option<Baseline>,
    /// Span of the gate's `id` value.
    pub span: Span,
}

/// A gate's baseline: measured `samples` times at its `interval` right before step `before`
/// runs; the median is `baseline` in the gate's conditions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Baseline {
    pub before: String,
    pub samples: u32,
}

#[derive(Debug, Clone)]
pub struct BasicAuth {
    pub user: String,
    pub password_env: String,
}

#[derive(Debug, Clone)]
pub enum JsonCheck {
    Equals { path: String, value: Tpl },
    Condition { path: String, condition: String },
}

#[derive(Debug, Clone)]
pub enum GateKind {
    Http {
        url: Tpl,
        method: String,
        headers: BTreeMap<String, Tpl>,
        basic_auth: Option<BasicAuth>,
        expect_status: Option<u16>,
        max_latency: Option<Dur>,
        body_contains: Option<Tpl>,
        json: Option<JsonCheck>,
    },
    Tcp {
        address: Tpl,
    },
    Env {
        names: Vec<String>,
        template: Option<String>,
    },
    File {
        path: Tpl,
        exists: Option<bool>,
        writable: Option<bool>,
        newest: Option<String>,
        max_age: Option<Dur>,
    },
    Tls {
        address: Tpl,
        min_days: Option<u32>,
        verify_chain: bool,
    },
    Command {
        run: Tpl,
        env: BTreeMap<String, Tpl>,
    },
    Prometheus {
        server: Tpl,
        query: Tpl,
        success_condition: Option<String>,
        failure_condition: Option<String>,
    },
    Git {
        clean: Option<bool>,
        branch: Option<String>,
        head_tagged: Option<bool>,
    },
    Docker {
        service: String,
        healthy: Option<bool>,
        max_restarts: Option<u32>,
        image_is_target: Option<bool>,
    },
    Release {
        environment: String,
        version: Option<Tpl>,
        completed: bool,
        stable_for: Option<Dur>,
    },
}

impl GateKind {
    pub fn name(&self) -> &'static str {
        match self {
            GateKind::Http { .. } => "http",
            GateKind::Tcp { .. } => "tcp",
            GateKind::Env { .. } => "env",
            GateKind::File { .. } => "file",
            GateKind::Tls { .. } => "tls",
            GateKind::Command { .. } => "command",
            GateKind::Prometheus { .. } => "prometheus",
            GateKind::Git { .. } => "git",
            GateKind::Docker { .. } => "docker",
            GateKind::Release { .. } => "release",
        }
    }
}

/// Every gate kind's name, in the order the docs list them.
pub const GATE_KINDS: &[&str] = &[
    "http",
    "tcp",
    "env",
    "file",
    "tls",
    "command",
    "prometheus",
    "git",
    "docker",
    "release",
];
