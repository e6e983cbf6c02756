//! The runbook's typed model (DESIGN.md §3): what `load` produces and everything else reads.
//!
//! Values that may be templates are kept as [`Tpl`] (their source text and span), so that
//! `check` can validate them statically and `plan`/`run` can render them against a context.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::PathBuf;
use std::time::Duration;

mod gate;
mod step;

mod kinds;
mod notifications;
mod trust;
pub use gate::*;
pub use kinds::{GateType, StepType};
pub use notifications::*;
pub use step::*;
pub use trust::*;

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
    /// Lowercase hex SHA-256 of the source this runbook was loaded from: what
    /// `release-started` records and approvals are bound to (the file as it was read, not as
    /// it may be on disk later).
    pub sha256: String,
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
    /// `[trust]`, when given.
    pub trust: Option<Trust>,
    pub journal: JournalConfig,
    /// `[[notifications]]` (DESIGN.md §10).
    pub notifications: Vec<Notification>,
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
    /// Whether approvals in `env` must be signed: `[trust] signed_approvals`, by default the
    /// protected environments; never without `[trust]`.
    pub fn signs_approvals(&self, env: &str) -> bool {
        match &self.trust {
            None => false,
            Some(Trust {
                signed_approvals: Some(envs),
                ..
            }) => envs.iter().any(|e| e.eq_ignore_ascii_case(env)),
            Some(_) => self.is_protected(env),
        }
    }
    /// `[trust] allowed_signers`, resolved against the runbook's directory.
    pub fn allowed_signers_path(&self) -> Option<PathBuf> {
        let t = self.trust.as_ref()?;
        Some(self.dir.join(&t.allowed_signers))
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
