//! A gate's row as the screen shows it: its state, value, message and age.

use chrono::{DateTime, Utc};

/// A gate's last measurement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum GateState {
    #[default]
    Pending,
    Pass,
    Fail,
    Error,
    /// Passed its condition but failed its `warn` condition (the warn band, DESIGN.md §10).
    Warn,
}

impl GateState {
    /// The mark shown beside the gate (never colour alone).
    pub fn mark(self) -> &'static str {
        match self {
            GateState::Pending => "·",
            GateState::Pass => "✔",
            GateState::Fail => "✖",
            GateState::Error => "?",
            GateState::Warn => "⚠",
        }
    }
}

/// One row of the gates pane.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GateRow {
    pub id: String,
    pub kind: crate::runbook::GateType,
    pub state: GateState,
    /// The measured value, e.g. `200 41ms` or `6.1% > 5%`.
    pub value: String,
    pub message: String,
    /// What a failed check expected (`2.0.0`, `200`): shown after the value as `(want 2.0.0)`
    /// while the gate fails.
    pub expected: Option<String>,
    /// When it was measured (its age is shown).
    pub at: Option<DateTime<Utc>>,
}

impl GateRow {
    /// How a measured `value` of a gate of `kind` shows in the pane, beside its message. The
    /// latency that an `http` gate without a `json` check and a `tcp` gate measure is already in
    /// their message (`200 in 2 ms`, `connected to … in 1 ms`), so it is not shown twice.
    pub fn value_text(
        kind: Option<&crate::runbook::GateKind>,
        value: &serde_json::Value,
    ) -> String {
        use crate::runbook::GateKind;
        let latency = matches!(
            kind,
            Some(GateKind::Http { json: None, .. } | GateKind::Tcp { .. })
        );
        match value {
            serde_json::Value::Null => String::new(),
            serde_json::Value::Number(_) if latency => String::new(),
            serde_json::Value::String(s) => s.clone(),
            v => v.to_string(),
        }
    }

    /// A gate not measured yet.
    pub fn pending(id: impl Into<String>, kind: crate::runbook::GateType) -> Self {
        Self {
            id: id.into(),
            kind,
            ..Self::default()
        }
    }
}
