//! `[[notifications]]` (DESIGN.md §10): webhooks told about the release's events, in the
//! background, with retries and optional reminders.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{Dur, Tpl};

/// What a notification is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum NotifyEvent {
    TriggerTripped,
    RollbackArmed,
    ApprovalWaiting,
    Warning,
    StepFailed,
    ReleaseFinished,
    ReleaseRolledBack,
}

impl NotifyEvent {
    pub const ALL: [NotifyEvent; 7] = [
        NotifyEvent::TriggerTripped,
        NotifyEvent::RollbackArmed,
        NotifyEvent::ApprovalWaiting,
        NotifyEvent::Warning,
        NotifyEvent::StepFailed,
        NotifyEvent::ReleaseFinished,
        NotifyEvent::ReleaseRolledBack,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            NotifyEvent::TriggerTripped => "trigger-tripped",
            NotifyEvent::RollbackArmed => "rollback-armed",
            NotifyEvent::ApprovalWaiting => "approval-waiting",
            NotifyEvent::Warning => "warning",
            NotifyEvent::StepFailed => "step-failed",
            NotifyEvent::ReleaseFinished => "release-finished",
            NotifyEvent::ReleaseRolledBack => "release-rolled-back",
        }
    }

    pub fn parse(s: &str) -> Option<NotifyEvent> {
        Self::ALL.into_iter().find(|e| e.as_str() == s)
    }

    /// Whether `remind` repeats it while it lasts.
    pub fn repeats(self) -> bool {
        matches!(
            self,
            NotifyEvent::ApprovalWaiting | NotifyEvent::RollbackArmed
        )
    }
}

impl std::fmt::Display for NotifyEvent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The body's shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum NotifyFormat {
    /// `{event, release_id, release, environment, version, step, message, ts}`.
    #[default]
    Json,
    /// `{"text": …}`.
    Slack,
}

/// One `[[notifications]]` entry.
#[derive(Debug, Clone)]
pub struct Notification {
    pub url: Tpl,
    /// The events it is told about (default: all).
    pub on: Vec<NotifyEvent>,
    pub format: NotifyFormat,
    pub headers: BTreeMap<String, Tpl>,
    /// Repeat `approval-waiting` and `rollback-armed` this often while they last.
    pub remind: Option<Dur>,
    /// Plain `http://` to a host other than loopback.
    pub allow_insecure: bool,
}
