//! Step and gate kinds as plain enums (no fields): what the release core, the journal's
//! `release-started` record and the screen carry, instead of kind strings.

use serde::{Deserialize, Serialize};

use super::gate::GateKind;
use super::step::StepKind;

/// A step's kind, as `release-started` records it (`"git-tag"`, `"watch"`, …).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StepType {
    Manual,
    Approval,
    Gates,
    Run,
    GitTag,
    DockerDeploy,
    DockerRollback,
    Watch,
    Notify,
}

impl StepType {
    /// Its name in a runbook and in the journal.
    pub fn as_str(self) -> &'static str {
        match self {
            StepType::Manual => "manual",
            StepType::Approval => "approval",
            StepType::Gates => "gates",
            StepType::Run => "run",
            StepType::GitTag => "git-tag",
            StepType::DockerDeploy => "docker-deploy",
            StepType::DockerRollback => "docker-rollback",
            StepType::Watch => "watch",
            StepType::Notify => "notify",
        }
    }

    /// Steps a person answers (evidence, an approval) rather than an executor.
    pub fn is_answered(self) -> bool {
        matches!(self, StepType::Manual | StepType::Approval)
    }
}

impl std::str::FromStr for StepType {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        serde_json::from_value(serde_json::Value::String(s.to_owned()))
            .map_err(|_| format!("unknown step kind `{s}`"))
    }
}

impl std::fmt::Display for StepType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl StepKind {
    /// The kind without its fields.
    pub fn step_type(&self) -> StepType {
        match self {
            StepKind::Manual { .. } => StepType::Manual,
            StepKind::Approval { .. } => StepType::Approval,
            StepKind::Gates { .. } => StepType::Gates,
            StepKind::Run { .. } => StepType::Run,
            StepKind::GitTag { .. } => StepType::GitTag,
            StepKind::DockerDeploy { .. } => StepType::DockerDeploy,
            StepKind::DockerRollback { .. } => StepType::DockerRollback,
            StepKind::Watch { .. } => StepType::Watch,
            StepKind::Notify { .. } => StepType::Notify,
        }
    }
}

/// A gate's kind, as the gates pane and `status --json` name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum GateType {
    Http,
    Tcp,
    Env,
    File,
    Tls,
    Command,
    Prometheus,
    Git,
    Docker,
    Release,
    /// Not known (a row shown before its gate is resolved).
    #[default]
    Unknown,
}

impl GateType {
    pub fn as_str(self) -> &'static str {
        match self {
            GateType::Http => "http",
            GateType::Tcp => "tcp",
            GateType::Env => "env",
            GateType::File => "file",
            GateType::Tls => "tls",
            GateType::Command => "command",
            GateType::Prometheus => "prometheus",
            GateType::Git => "git",
            GateType::Docker => "docker",
            GateType::Release => "release",
            GateType::Unknown => "",
        }
    }
}

impl std::str::FromStr for GateType {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        serde_json::from_value(serde_json::Value::String(s.to_owned()))
            .map_err(|_| format!("unknown gate kind `{s}`"))
    }
}

impl std::fmt::Display for GateType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl GateKind {
    /// The kind without its fields.
    pub fn gate_type(&self) -> GateType {
        match self {
            GateKind::Http { .. } => GateType::Http,
            GateKind::Tcp { .. } => GateType::Tcp,
            GateKind::Env { .. } => GateType::Env,
            GateKind::File { .. } => GateType::File,
            GateKind::Tls { .. } => GateType::Tls,
            GateKind::Command { .. } => GateType::Command,
            GateKind::Prometheus { .. } => GateType::Prometheus,
            GateKind::Git { .. } => GateType::Git,
            GateKind::Docker { .. } => GateType::Docker,
            GateKind::Release { .. } => GateType::Release,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn step_types_serialize_as_their_runbook_names() {
        for t in [
            StepType::Manual,
            StepType::GitTag,
            StepType::DockerDeploy,
            StepType::DockerRollback,
            StepType::Watch,
        ] {
            let json = serde_json::to_string(&t).unwrap();
            assert_eq!(json, format!("\"{}\"", t.as_str()));
            assert_eq!(serde_json::from_str::<StepType>(&json).unwrap(), t);
        }
    }
}
