//! Steps and their kinds (DESIGN.md §3.1).

use std::collections::BTreeMap;

use super::{ApprovalPolicy, Dur, Span, Tpl};

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
        /// `background = true`: the checklist moves on while the triggers stay armed until
        /// `duration` ends (DESIGN.md §10).
        background: bool,
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
    /// `min_approvals`, `self_approval` and the spans of `approvers`: `Some` for approval steps.
    pub approval: Option<ApprovalPolicy>,
    /// `wait_for`: ids of earlier background watches that must have ended before this step
    /// starts (checked by the loader; empty when absent, always empty for rollback steps).
    pub wait_for: Vec<String>,
}
