//! Messages into the release core: operator commands and executor reports (owned data).

use std::collections::BTreeMap;

use super::event::{Event, Outcome, Phase};

#[derive(Debug, Clone, PartialEq)]
pub enum Msg {
    /// Begin the release; carries the fully resolved `release-started` event.
    Begin(Event),
    /// Run the next pending step (`Enter`).
    Next,
    /// Retry the failed or interrupted step (`r`).
    Retry,
    /// Skip the current step with a reason (`s`).
    Skip { reason: String },
    /// Mark an interrupted step done with a note (`m`).
    MarkDone { note: String },
    /// Evidence for the running manual step; `source` is `operator`, `answers`, …
    Evidence { note: String, source: String },
    /// Approval for the running approval step.
    Approve {
        name: String,
        reason: String,
        source: String,
    },
    /// A signed approval (or rejection) for an approval step, verified by the driver against
    /// `allowed_signers` before it is sent (DESIGN.md §9.2).
    Signed(Box<SignedApproval>),
    /// Cancel the running step (`x`, after confirmation).
    Cancel,
    /// Extend the running watch (`+`).
    ExtendWatch { by_ms: u64 },
    /// End the running watch early, with a note (`e`): the foreground watch, else the first
    /// background watch.
    EndWatch { note: String },
    /// End the background watch `step` early, with a note (`e` on its checklist line).
    EndWatchOf { step: String, note: String },
    /// Acknowledge the warnings of a watch that waits for it (a note; DESIGN.md §10).
    AckWarnings { note: String, source: String },
    /// On resume: restart the background watches the journal left running.
    ResumeBackground,
    /// Arm the rollback (a trigger tripped).
    Arm {
        reason: String,
        target: Option<String>,
    },
    /// Roll back, confirmed by `by` (an operator name, or `auto`).
    Rollback { by: String, target: Option<String> },
    /// Abandon an unfinished release, with a note.
    Abandon { note: String },
    /// A batch of output lines from a running step.
    Output {
        phase: Phase,
        step: String,
        stream: String,
        lines: Vec<String>,
    },
    /// An executor finished a step.
    Finished {
        phase: Phase,
        step: String,
        outcome: Outcome,
        exit_code: Option<i32>,
        reason: Option<String>,
        duration_ms: u64,
        captures: BTreeMap<String, String>,
    },
    /// An informational event to journal as it is (gate results, docker actions, notes).
    Record(Event),
    /// A timer the core set (`Effect::Timer`) is due.
    Timer { id: TimerId },
    /// Stop the auto-rollback countdown (any key); the rollback stays armed.
    StopCountdown,
}

/// The core's timers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TimerId {
    /// The auto-rollback countdown.
    Countdown,
    /// Remind `[[notifications]]` entry `index` that `event` still lasts (`remind`).
    Remind {
        index: usize,
        event: crate::runbook::NotifyEvent,
    },
    /// The running approval step's `timeout` (DESIGN.md §9.1).
    ApprovalTimeout,
}

/// A verified, signed approval or rejection: what `flightdeck approve` dropped in the inbox (or a
/// pre-approval from the answers file), after the driver checked its signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedApproval {
    pub step: String,
    /// The `allowed_signers` principal of the key that signed.
    pub principal: String,
    /// The key's `SHA256:` fingerprint.
    pub key: String,
    /// True for an approval, false for a rejection.
    pub approve: bool,
    pub reason: String,
    /// The canonical JSON payload, exactly as signed.
    pub payload: String,
    /// The armored SSHSIG.
    pub signature: String,
    /// Pre-approvals: the SHA-256 of the signature (consumed once); `None` for inbox approvals.
    pub consumed: Option<String>,
}
