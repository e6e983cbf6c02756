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
#[allow(clippy::struct_excessive_bools)] // each flag is a field of the journal's step record
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
    /// A watch with `background = true`: the checklist moves on while it runs.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub background: bool,
    /// An approval step's `min_approvals` (absent: 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_approvals: Option<u32>,
    /// An approval step's `self_approval`: the operator may count as an approver.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub self_approval: bool,
    /// An approval step's `timeout`: it fails when no decision came in this long.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approval_timeout_ms: Option<u64>,
    /// `wait_for`: the background watches (ids of earlier steps) that must have ended before
    /// this step starts (issue 24).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub wait_for: Vec<String>,
}

/// Who runs the release and whether its approvals must be signed (DESIGN.md §9.2), as
/// `release-started` records them: the core refuses the operator's own approval from these.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReleaseTrust {
    /// `[trust] signed_approvals` applies to this environment: a typed name is refused.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub signed_approvals: bool,
    /// The names the operator goes by: `--operator` (or the user), and the `allowed_signers`
    /// principals of the operator's key (`--key`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub operator_principals: Vec<String>,
    /// `SHA256:` fingerprint of the operator's key, when `--key` / `FLIGHTDECK_KEY` named one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operator_key: Option<String>,
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
        /// The operator's identity and the signing rule; absent from old journals.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        trust: Option<Box<ReleaseTrust>>,
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
        /// The watch step whose trigger tripped (a background watch's, not the current step's).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        step: Option<String>,
        gate: String,
        message: String,
        #[serde(default)]
        measurements: Vec<Value>,
    },
    TriggerInconclusive {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        step: Option<String>,
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
    /// The operator's signature over the journal head `{release_id, count, last_hash}` as it
    /// was durable at a seal point (DESIGN.md §9.2): the first `count` records, the last of
    /// which hashes to `last_hash`.
    Seal {
        /// Which seal point: `start`, `completed`, `rolled-back`, `abandoned`, `failed`,
        /// `hang-up`, `exit`.
        point: String,
        count: u64,
        last_hash: String,
        /// The signing key's `SHA256:` fingerprint.
        key: String,
        /// The armored SSHSIG over the canonical seal payload.
        signature: String,
    },
    /// A seal point where signing was impossible (no key, the agent gone): why. The next seal
    /// covers everything before it.
    SealSkipped {
        point: String,
        count: u64,
        last_hash: String,
        reason: String,
    },
    /// The journal head committed onto `refs/flightdeck/<release-id>` (DESIGN.md §9.3) and,
    /// with a remote, whether pushing it there succeeded.
    Anchor {
        #[serde(rename = "ref")]
        refname: String,
        count: u64,
        last_hash: String,
        /// The anchor commit (empty when it could not be made; `error` says why).
        commit: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        remote: Option<String>,
        /// Whether the ref reached `remote` (false without one).
        #[serde(default)]
        pushed: bool,
        /// What failed (git's words, masked).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        error: Option<String>,
    },
    /// A gate's baseline, taken right before step `step` (DESIGN.md §10): its numeric samples
    /// and their median (`None` when no sample was a number; `error` says why).
    Baseline {
        step: String,
        gate: String,
        samples: Vec<f64>,
        value: Option<f64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        error: Option<String>,
    },
    /// One delivery attempt of a `[[notifications]]` webhook: the URL without its path
    /// (webhook paths carry tokens), the HTTP status or the error.
    Notification {
        #[serde(default)]
        step: Option<String>,
        event: crate::runbook::NotifyEvent,
        url: String,
        attempt: u32,
        delivered: bool,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        status: Option<u16>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        error: Option<String>,
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
#[path = "event_tests.rs"]
mod tests;
