//! Release events: what the core decides and the journal records; state is a fold over them.
//!
//! Each event maps to one journal record: its `kind`, its `step` and its `data` object.
//! Replaying the records of a journal through [`super::ReleaseState::apply`] rebuilds the
//! exact state a live run had, which is what resume relies on.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Which list a step belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Phase {
    Main,
    Rollback,
}

/// A step as announced in `release-started`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepInfo {
    pub id: String,
    pub title: String,
    pub kind: crate::runbook::StepType,
    /// A manual step that needs evidence to succeed.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub evidence_required: bool,
    /// An approval step's allow-list of approvers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approvers: Option<Vec<String>>,
    /// An approval step that needs a reason.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub reason_required: bool,
    /// A watch step's duration as resolved when the release started.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<u64>,
}

/// How a step ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    Succeeded,
    Failed,
    Cancelled,
    TimedOut,
}

/// How a release ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ReleaseOutcome {
    Completed,
    RolledBack,
    Abandoned,
}

impl ReleaseOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            ReleaseOutcome::Completed => "completed",
            ReleaseOutcome::RolledBack => "rolled-back",
            ReleaseOutcome::Abandoned => "abandoned",
        }
    }
}

/// One release event. Serialized with its kind as `kind`; `step` (when the variant has one)
/// becomes the record's `step`, and the remaining fields its `data`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Event {
    ReleaseStarted {
        release_id: String,
        name: String,
        environment: String,
        version: String,
        protected: bool,
        runbook: String,
        #[serde(default)]
        previous: Option<String>,
        #[serde(default)]
        lkg: Option<String>,
        #[serde(default)]
        drill: bool,
        steps: Vec<StepInfo>,
        rollback_steps: Vec<StepInfo>,
        /// SHA-256 (hex) of the runbook file the release started with (DESIGN.md §9.2): a
        /// resume with a changed runbook is refused unless accepted. Absent from old journals.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        runbook_sha256: Option<String>,
    },
    StepStarted {
        step: String,
        phase: Phase,
        attempt: u32,
    },
    Output {
        step: String,
        phase: Phase,
        stream: String,
        lines: Vec<String>,
    },
    StepFinished {
        step: String,
        phase: Phase,
        outcome: Outcome,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        exit_code: Option<i32>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
        duration_ms: u64,
        #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
        captures: BTreeMap<String, String>,
    },
    Evidence {
        step: String,
        note: String,
        #[serde(default)]
        source: String,
    },
    /// An approval. `name` is the approver (the principal when signed); the fields after
    /// `source` are set for signed approvals (DESIGN.md §9.2) and absent from old journals.
    Approval {
        step: String,
        name: String,
        reason: String,
        #[serde(default)]
        source: String,
        /// The `allowed_signers` principal whose key signed.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        principal: Option<String>,
        /// The signing key's `SHA256:` fingerprint.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        key: Option<String>,
        /// `approve` or `reject`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        decision: Option<String>,
        /// The canonical JSON payload that was signed, as signed.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        payload: Option<String>,
        /// The armored SSHSIG over `payload`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        signature: Option<String>,
        /// Pre-approvals: the SHA-256 (hex) of the signature, so each is consumed once.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        consumed: Option<String>,
    },
    Skip {
        step: String,
        phase: Phase,
        reason: String,
    },
    /// A free note, or an operator decision recorded as one (`action`).
    Note {
        #[serde(default)]
        step: Option<String>,
        #[serde(default)]
        phase: Option<Phase>,
        #[serde(default)]
        action: Option<String>,
        text: String,
        /// With `action = "watch-extend"`: how much longer the watch runs.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        extend_ms: Option<u64>,
    },
    GateResult {
        step: Option<String>,
        gate: String,
        state: String,
        #[serde(default)]
        value: Value,
        message: String,
        /// What a failed check expected (`2.0.0`, `200`), when it says.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        expected: Option<String>,
    },
    TriggerTripped {
        gate: String,
        message: String,
        #[serde(default)]
        measurements: Vec<Value>,
    },
    TriggerInconclusive {
        gate: String,
        message: String,
    },
    RollbackArmed {
        reason: String,
        #[serde(default)]
        target: Option<String>,
    },
    RollbackConfirmed {
        by: String,
        #[serde(default)]
        target: Option<String>,
    },
    RollbackStarted {
        #[serde(default)]
        target: Option<String>,
        #[serde(default)]
        interrupted: Option<String>,
    },
    RollbackFinished {
        outcome: Outcome,
    },
    DockerAction {
        step: Option<String>,
        action: String,
        #[serde(default)]
        detail: Value,
    },
    OperatorDisconnected {
        reason: String,
    },
    LockTakenOver {
        previous_holder: String,
    },
    ReleaseFinished {
        outcome: ReleaseOutcome,
    },
}

impl Event {
    /// The record kind, e.g. `step-started`.
    pub fn kind(&self) -> String {
        match serde_json::to_value(self) {
            Ok(Value::Object(m)) => m
                .get("kind")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
            _ => String::new(),
        }
    }

    /// Split into the record's `kind`, `step` and `data`.
    pub fn to_parts(&self) -> (String, Option<String>, Value) {
        let Ok(Value::Object(mut m)) = serde_json::to_value(self) else {
            return (String::new(), None, Value::Object(Map::new()));
        };
        let kind = match m.remove("kind") {
            Some(Value::String(k)) => k,
            _ => String::new(),
        };
        let step = match m.remove("step") {
            Some(Value::String(s)) => Some(s),
            _ => None,
        };
        (kind, step, Value::Object(m))
    }

    /// Rebuild an event from a record's parts.
    pub fn from_parts(kind: &str, step: Option<&str>, data: &Value) -> Result<Event, String> {
        let mut m = match data {
            Value::Object(m) => m.clone(),
            Value::Null => Map::new(),
            _ => return Err(format!("record `{kind}`: data is not an object")),
        };
        m.insert("kind".into(), Value::String(kind.to_owned()));
        if let Some(s) = step {
            m.insert("step".into(), Value::String(s.to_owned()));
        } else {
            m.insert("step".into(), Value::Null);
        }
        serde_json::from_value(Value::Object(m)).map_err(|e| format!("record `{kind}`: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_round_trip_keeps_step_out_of_data() {
        let ev = Event::StepFinished {
            step: "deploy".into(),
            phase: Phase::Main,
            outcome: Outcome::Failed,
            exit_code: Some(3),
            reason: Some("exit 3".into()),
            duration_ms: 1200,
            captures: BTreeMap::new(),
        };
        let (kind, step, data) = ev.to_parts();
        assert_eq!(kind, "step-finished");
        assert_eq!(step.as_deref(), Some("deploy"));
        assert!(data.get("step").is_none());
        assert_eq!(data["outcome"], "failed");
        let back = Event::from_parts(&kind, step.as_deref(), &data).expect("parses");
        assert_eq!(back, ev);
    }

    #[test]
    fn stepless_event_has_null_step() {
        let ev = Event::ReleaseFinished {
            outcome: ReleaseOutcome::RolledBack,
        };
        let (kind, step, data) = ev.to_parts();
        assert_eq!(kind, "release-finished");
        assert_eq!(step, None);
        assert_eq!(data["outcome"], "rolled-back");
        assert_eq!(Event::from_parts(&kind, None, &data), Ok(ev));
    }

    #[test]
    fn unknown_kind_is_an_error() {
        assert!(Event::from_parts("bogus", None, &Value::Null).is_err());
    }
}
