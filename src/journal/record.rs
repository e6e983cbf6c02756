//! One journal record (one JSON line) and the closed set of record kinds.

use serde::{Deserialize, Serialize};

/// One line of the journal. Field order is the on-disk order and is part of the format.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Record {
    /// Position in the journal, starting at 0, without gaps.
    pub seq: u64,
    /// RFC 3339 UTC with milliseconds, e.g. `2026-11-25T06:10:00.123Z`.
    pub ts: String,
    pub operator: String,
    pub host: String,
    pub kind: Kind,
    /// The runbook step this record belongs to; `null` when none.
    pub step: Option<String>,
    /// Details; always a JSON object.
    pub data: serde_json::Value,
    /// Hash of the previous line (or of the release id for the first record).
    pub prev: String,
}

/// What happened. Serialized in kebab-case (`release-started`, `gate-result`, …).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    ReleaseStarted,
    StepStarted,
    Output,
    StepFinished,
    Evidence,
    Approval,
    Skip,
    GateResult,
    TriggerTripped,
    TriggerInconclusive,
    RollbackArmed,
    RollbackConfirmed,
    RollbackStarted,
    RollbackFinished,
    DockerAction,
    OperatorDisconnected,
    LockTakenOver,
    Note,
    ReleaseFinished,
    Seal,
    SealSkipped,
    Anchor,
    Baseline,
    Notification,
}

impl Kind {
    /// Every kind, in declaration order.
    pub const ALL: [Kind; 24] = [
        Kind::ReleaseStarted,
        Kind::StepStarted,
        Kind::Output,
        Kind::StepFinished,
        Kind::Evidence,
        Kind::Approval,
        Kind::Skip,
        Kind::GateResult,
        Kind::TriggerTripped,
        Kind::TriggerInconclusive,
        Kind::RollbackArmed,
        Kind::RollbackConfirmed,
        Kind::RollbackStarted,
        Kind::RollbackFinished,
        Kind::DockerAction,
        Kind::OperatorDisconnected,
        Kind::LockTakenOver,
        Kind::Note,
        Kind::ReleaseFinished,
        Kind::Seal,
        Kind::SealSkipped,
        Kind::Anchor,
        Kind::Baseline,
        Kind::Notification,
    ];

    /// The serialized (kebab-case) name.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::ReleaseStarted => "release-started",
            Kind::StepStarted => "step-started",
            Kind::Output => "output",
            Kind::StepFinished => "step-finished",
            Kind::Evidence => "evidence",
            Kind::Approval => "approval",
            Kind::Skip => "skip",
            Kind::GateResult => "gate-result",
            Kind::TriggerTripped => "trigger-tripped",
            Kind::TriggerInconclusive => "trigger-inconclusive",
            Kind::RollbackArmed => "rollback-armed",
            Kind::RollbackConfirmed => "rollback-confirmed",
            Kind::RollbackStarted => "rollback-started",
            Kind::RollbackFinished => "rollback-finished",
            Kind::DockerAction => "docker-action",
            Kind::OperatorDisconnected => "operator-disconnected",
            Kind::LockTakenOver => "lock-taken-over",
            Kind::Note => "note",
            Kind::ReleaseFinished => "release-finished",
            Kind::Seal => "seal",
            Kind::SealSkipped => "seal-skipped",
            Kind::Anchor => "anchor",
            Kind::Baseline => "baseline",
            Kind::Notification => "notification",
        }
    }
}

impl std::fmt::Display for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sample(step: Option<&str>) -> Record {
        Record {
            seq: 3,
            ts: "2026-11-25T06:10:00.123Z".into(),
            operator: "alice".into(),
            host: "host1".into(),
            kind: Kind::GateResult,
            step: step.map(str::to_owned),
            data: json!({"b": 1, "a": "x"}),
            prev: "ab".into(),
        }
    }

    #[test]
    fn serializes_fields_in_format_order() {
        let line = serde_json::to_string(&sample(Some("deploy"))).unwrap();
        assert_eq!(
            line,
            r#"{"seq":3,"ts":"2026-11-25T06:10:00.123Z","operator":"alice","host":"host1","kind":"gate-result","step":"deploy","data":{"a":"x","b":1},"prev":"ab"}"#
        );
    }

    #[test]
    fn absent_step_is_null_and_round_trips() {
        let rec = sample(None);
        let line = serde_json::to_string(&rec).unwrap();
        assert!(line.contains(r#""step":null"#), "{line}");
        assert_eq!(serde_json::from_str::<Record>(&line).unwrap(), rec);
    }

    #[test]
    fn every_kind_serializes_as_its_str() {
        for kind in Kind::ALL {
            let s = serde_json::to_string(&kind).unwrap();
            assert_eq!(s, format!("\"{}\"", kind.as_str()));
            assert_eq!(serde_json::from_str::<Kind>(&s).unwrap(), kind);
            assert_eq!(kind.to_string(), kind.as_str());
        }
    }

    #[test]
    fn unknown_kind_and_fields_are_rejected() {
        let line = serde_json::to_string(&sample(None)).unwrap();
        assert!(serde_json::from_str::<Record>(&line.replace("gate-result", "bogus")).is_err());
        let extra = line.replacen('{', r#"{"x":1,"#, 1);
        assert!(serde_json::from_str::<Record>(&extra).is_err());
    }
}
