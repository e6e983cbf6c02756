//! The runbook's typed model (DESIGN.md §3): what `load` produces and everything else reads.
//!
//! Values that may be templates are kept as [`Tpl`] (their source text and span), so that
//! `check` can validate them statically and `plan`/`run` can render them against a context.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::PathBuf;
use std::time::Duration;

/// Byte range in the runbook source.
pub type Span = Range<usize>;

/// A template string with the span of its value in the runbook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tpl {
    pub src: String,
    pub span: Span,
}

impl Tpl {
    pub fn new(src: impl Into<String>, span: Span) -> Self {
        Self {
            src: src.into(),
            span,
        }
    }
    /// True when the string contains template syntax.
    pub fn is_template(&self) -> bool {
        self.src.contains("{{") || self.src.contains("{%")
    }
}

/// A duration: fixed at load time, or a template rendered at plan/run time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Dur {
    Fixed(Duration),
    Template(Tpl),
}

impl Dur {
    pub fn fixed(&self) -> Option<Duration> {
        match self {
            Dur::Fixed(d) => Some(*d),
            Dur::Template(_) => None,
        }
    }
}

/// A whole runbook.
#[derive(Debug, Clone)]
pub struct Runbook {
    /// The path as given on the command line.
    pub path: PathBuf,
    /// The directory relative paths resolve against.
    pub dir: PathBuf,
    pub release: Release,
    pub environments: BTreeMap<String, Environment>,
    pub vars: BTreeMap<String, String>,
    pub secrets: Vec<String>,
    pub git: Option<GitConfig>,
    pub docker_hosts: Vec<DockerHost>,
    pub services: Vec<Service>,
    pub gates: Vec<Gate>,
    pub revisions: Vec<RevisionSource>,
    pub steps: Vec<Step>,
    pub rollback: Rollback,
}

impl Runbook {
    pub fn gate(&self, id: &str) -> Option<&Gate> {
        self.gates.iter().find(|g| g.id == id)
    }
    pub fn service(&self, name: &str) -> Option<&Service> {
        self.services.iter().find(|s| s.name == name)
    }
    /// Whether `env` (an environment name) is protected.
    pub fn is_protected(&self, env: &str) -> bool {
        if let Some(p) = self.environments.get(env).and_then(|e| e.protected) {
            return p;
        }
        self.release
            .protected
            .iter()
            .any(|p| p.eq_ignore_ascii_case(env))
    }
}

#[derive(Debug, Clone)]
pub struct Release {
    pub name: String,
    pub environment: String,
    pub version: VersionSource,
    pub window: Option<Duration>,
    pub protected: Vec<String>,
    pub operators: Option<Vec<String>>,
    pub shared_group: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VersionSource {
    Literal(String),
    File(String),
    Env(String),
    GitDescribe,
}

#[derive(Debug, Clone, Default)]
pub struct Environment {
    pub vars: BTreeMap<String, String>,
    pub protected: Option<bool>,
}

#[derive(Debug, Clone)]
pub struct GitConfig {
    pub path: String,
    pub release_tags: String,
    pub lkg_tags: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct DockerHost {
    pub name: String,
    pub url: String,
    pub tls: Option<TlsFiles>,
}

#[derive(Debug, Clone)]
pub struct TlsFiles {
    pub ca: String,
    pub cert: String,
    pub key: String,
}

#[derive(Debug, Clone)]
pub struct Service {
    pub name: String,
    pub matcher: ServiceMatch,
    pub logs: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServiceMatch {
    /// `label = "key=value"` (or just `key`, matching any value).
    Label {
        key: String,
        value: Option<String>,
    },
    /// `name = "web-*"` (a glob).
    Name(String),
    SwarmService(String),
}

/// Trigger fields (DESIGN.md §3.3), present on every gate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TriggerSpec {
    pub for_: Option<Dur>,
    pub failure_limit: u32,
    pub consecutive_error_limit: u32,
    pub initial_delay: Dur,
    pub dry_run: bool,
}

impl Default for TriggerSpec {
    fn default() -> Self {
        Self {
            for_: None,
            failure_limit: 0,
            consecutive_error_limit: 4,
            initial_delay: Dur::Fixed(Duration::ZERO),
            dry_run: false,
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
    /// Span of the gate's `id` value.
    pub span: Span,
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

#[derive(Debug, Clone)]
pub enum RevisionSource {
    Command {
        name: String,
        command: Tpl,
        fields: RevisionFields,
    },
    Url {
        name: String,
        url: Tpl,
        version: String,
        sha: Option<String>,
    },
}

impl RevisionSource {
    pub fn name(&self) -> &str {
        match self {
            RevisionSource::Command { name, .. } | RevisionSource::Url { name, .. } => name,
        }
    }
}

/// `JSONPath` expressions, one per column.
#[derive(Debug, Clone)]
pub struct RevisionFields {
    pub id: String,
    pub status: Option<String>,
    pub at: Option<String>,
    pub description: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Evidence {
    Optional,
    Required,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeployOrder {
    StopFirst,
    StartFirst,
}

#[derive(Debug, Clone)]
pub struct Retry {
    pub attempts: u32,
    pub delay: Dur,
}

#[derive(Debug, Clone)]
pub struct Capture {
    pub name: String,
    pub regex: regex::Regex,
}

#[derive(Debug, Clone)]
pub enum StepKind {
    Manual {
        instructions: Option<Tpl>,
        evidence: Evidence,
    },
    Approval {
        approvers: Option<Vec<String>>,
        reason_required: bool,
    },
    Gates {
        gates: Vec<String>,
        retry: Option<Retry>,
    },
    Run {
        run: Tpl,
        env: BTreeMap<String, Tpl>,
        workdir: Option<Tpl>,
        capture: Vec<Capture>,
    },
    GitTag {
        tag: Tpl,
        message: Option<Tpl>,
        push: bool,
        remote: String,
        allow_dirty: bool,
    },
    DockerDeploy {
        service: String,
        image: Tpl,
        wait_healthy: Dur,
        health_url: Option<Tpl>,
        order: DeployOrder,
        retain: u32,
        pull: bool,
    },
    DockerRollback {
        service: String,
    },
    Watch {
        duration: Dur,
        triggers: Vec<String>,
    },
    Notify {
        url: Tpl,
        message: Tpl,
        headers: BTreeMap<String, Tpl>,
        allow_insecure: bool,
    },
}

impl StepKind {
    pub fn name(&self) -> &'static str {
        match self {
            StepKind::Manual { .. } => "manual",
            StepKind::Approval { .. } => "approval",
            StepKind::Gates { .. } => "gates",
            StepKind::Run { .. } => "run",
            StepKind::GitTag { .. } => "git-tag",
            StepKind::DockerDeploy { .. } => "docker-deploy",
            StepKind::DockerRollback { .. } => "docker-rollback",
            StepKind::Watch { .. } => "watch",
            StepKind::Notify { .. } => "notify",
        }
    }
}

/// Every step kind's name, in the order the docs list them.
pub const STEP_KINDS: &[&str] = &[
    "manual",
    "approval",
    "gates",
    "run",
    "git-tag",
    "docker-deploy",
    "docker-rollback",
    "watch",
    "notify",
];

#[derive(Debug, Clone)]
pub struct Step {
    pub id: String,
    /// The title as written, or one derived from the kind and its target.
    pub title: String,
    pub timeout: Option<Dur>,
    pub kind: StepKind,
    /// Span of the step's `id` value (or of its `kind` when the id is defaulted).
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RollbackTarget {
    Previous,
    Lkg,
    Pick,
}

impl RollbackTarget {
    pub fn as_str(self) -> &'static str {
        match self {
            RollbackTarget::Previous => "previous",
            RollbackTarget::Lkg => "lkg",
            RollbackTarget::Pick => "pick",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Rollback {
    pub target: RollbackTarget,
    pub auto: bool,
    pub auto_delay: Dur,
    pub steps: Vec<Step>,
}

impl Default for Rollback {
    fn default() -> Self {
        Self {
            target: RollbackTarget::Previous,
            auto: false,
            auto_delay: Dur::Fixed(Duration::from_secs(30)),
            steps: Vec::new(),
        }
    }
}
