//! Plain data the cockpit shows besides the release state: the header and the gate rows.

use chrono::{DateTime, Utc};

/// What the header line shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Header {
    pub name: String,
    pub environment: String,
    /// A protected environment is shown in CAPITALS in the danger style.
    pub protected: bool,
    pub version: String,
    pub previous: Option<String>,
    pub lkg: Option<String>,
    pub operator: String,
    /// The end of the release window, shown as a countdown.
    pub window_deadline: Option<DateTime<Utc>>,
    /// `Some(holder)` when attached read-only to someone else's release (`flightdeck observe`).
    pub observing: Option<String>,
    /// A warning line under the header.
    pub warning: Option<String>,
}

/// A gate's last measurement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum GateState {
    #[default]
    Pending,
    Pass,
    Fail,
    Error,
}

impl GateState {
    /// The mark shown beside the gate (never colour alone).
    pub fn mark(self) -> &'static str {
        match self {
            GateState::Pending => "·",
            GateState::Pass => "✔",
            GateState::Fail => "✖",
            GateState::Error => "?",
        }
    }
}

/// One row of the gates pane.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GateRow {
    pub id: String,
    pub kind: String,
    pub state: GateState,
    /// The measured value, e.g. `200 41ms` or `6.1% > 5%`.
    pub value: String,
    pub message: String,
    /// When it was measured (its age is shown).
    pub at: Option<DateTime<Utc>>,
}

impl GateRow {
    /// A gate not measured yet.
    pub fn pending(id: impl Into<String>, kind: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            kind: kind.into(),
            ..Self::default()
        }
    }
}
