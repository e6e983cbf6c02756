//! The release state machine's state, and `apply`: the fold of events into state.

use std::collections::{BTreeMap, VecDeque};

use chrono::{DateTime, Utc};

use super::event::{Event, Phase, ReleaseOutcome, ReleaseTrust, StepInfo};

/// How many output lines each step keeps for the screen, resume and reports.
pub const OUTPUT_TAIL: usize = 10;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepStatus {
    Pending,
    Running,
    Succeeded,
    Failed(String),
    Skipped(String),
    /// flightdeck stopped while the step ran: its outcome is unknown.
    Interrupted,
}

impl StepStatus {
    /// The step no longer blocks the release.
    pub fn is_done(&self) -> bool {
        matches!(self, StepStatus::Succeeded | StepStatus::Skipped(_))
    }
    /// The step blocks the release until retried, skipped, marked done or rolled back.
    pub fn is_blocking(&self) -> bool {
        matches!(self, StepStatus::Failed(_) | StepStatus::Interrupted)
    }
    /// The mark shown beside the step (never colour alone).
    pub fn mark(&self) -> &'static str {
        match self {
            StepStatus::Pending => "·",
            StepStatus::Running => "▶",
            StepStatus::Succeeded => "✔",
            StepStatus::Failed(_) => "✖",
            StepStatus::Skipped(_) => "↷",
            StepStatus::Interrupted => "?",
        }
    }
    pub fn label(&self) -> &'static str {
        match self {
            StepStatus::Pending => "pending",
            StepStatus::Running => "running",
            StepStatus::Succeeded => "succeeded",
            StepStatus::Failed(_) => "failed",
            StepStatus::Skipped(_) => "skipped",
            StepStatus::Interrupted => "interrupted",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepState {
    pub id: String,
    pub title: String,
    pub kind: crate::runbook::StepType,
    pub info: StepInfo,
    pub status: StepStatus,
    pub attempts: u32,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub duration_ms: Option<u64>,
    pub exit_code: Option<i32>,
    pub evidence: Option<String>,
    pub approval: Option<(String, String)>,
    /// The approvals counted toward `min_approvals` in this attempt (distinct principals).
    pub approvals: Vec<Approver>,
    pub note: Option<String>,
    /// How much a watch was extended (`+`), in milliseconds.
    pub extended_ms: u64,
    pub output_tail: VecDeque<String>,
    pub output_lines: u64,
    /// A watch's `warn` results in its current run, by gate (DESIGN.md §10).
    pub warnings: BTreeMap<String, u32>,
    /// A watch whose time ended with warnings waits for their acknowledgement (a note).
    pub ack_pending: bool,
}

impl StepState {
    /// A watch that runs beside the following steps (`background = true`).
    pub fn is_background(&self) -> bool {
        self.info.background && self.kind == crate::runbook::StepType::Watch
    }

    pub(super) fn new(info: &StepInfo) -> Self {
        Self {
            id: info.id.clone(),
            title: info.title.clone(),
            kind: info.kind,
            info: info.clone(),
            status: StepStatus::Pending,
            attempts: 0,
            started_at: None,
            finished_at: None,
            duration_ms: None,
            exit_code: None,
            evidence: None,
            approval: None,
            approvals: Vec::new(),
            note: None,
            extended_ms: 0,
            output_tail: VecDeque::new(),
            output_lines: 0,
            warnings: BTreeMap::new(),
            ack_pending: false,
        }
    }
}

/// One approval an approval step counted (DESIGN.md §9.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Approver {
    /// The approver's name: the `allowed_signers` principal when signed.
    pub principal: String,
    /// The signing key's `SHA256:` fingerprint (signed approvals only).
    pub key: Option<String>,
}

impl StepState {
    /// How many approvals this approval step needs (`min_approvals`, default 1).
    pub fn approvals_needed(&self) -> usize {
        self.info
            .min_approvals
            .map_or(1, |n| usize::try_from(n).unwrap_or(usize::MAX))
            .max(1)
    }
}

/// Where the release stands as a whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReleasePhase {
    /// No `release-started` yet.
    NotStarted,
    InProgress,
    RollingBack,
    Finished(ReleaseOutcome),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Armed {
    pub reason: String,
    pub target: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReleaseState {
    pub release_id: String,
    pub name: String,
    pub environment: String,
    pub version: String,
    pub protected: bool,
    pub drill: bool,
    pub previous: Option<String>,
    pub lkg: Option<String>,
    pub phase: ReleasePhase,
    pub steps: Vec<StepState>,
    pub rollback_steps: Vec<StepState>,
    pub captures: BTreeMap<String, String>,
    pub armed: Option<Armed>,
    pub rollback_target: Option<String>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub disconnected: bool,
    /// Gate baselines taken (`baseline` records), by gate id.
    pub baselines: BTreeMap<String, TakenBaseline>,
    /// The operator's identity and whether approvals must be signed (from `release-started`).
    pub trust: ReleaseTrust,
}

/// A `baseline` record: the median of the samples, or why there is none.
#[derive(Debug, Clone, PartialEq)]
pub struct TakenBaseline {
    pub step: String,
    pub samples: Vec<f64>,
    pub value: Option<f64>,
    pub error: Option<String>,
}

// Samples are finite numbers (the median of measured values), so equality is total.
impl Eq for TakenBaseline {}

impl Default for ReleaseState {
    fn default() -> Self {
        Self {
            release_id: String::new(),
            name: String::new(),
            environment: String::new(),
            version: String::new(),
            protected: false,
            drill: false,
            previous: None,
            lkg: None,
            phase: ReleasePhase::NotStarted,
            steps: Vec::new(),
            rollback_steps: Vec::new(),
            captures: BTreeMap::new(),
            armed: None,
            rollback_target: None,
            started_at: None,
            finished_at: None,
            disconnected: false,
            baselines: BTreeMap::new(),
            trust: ReleaseTrust::default(),
        }
    }
}

impl ReleaseState {
    pub fn list(&self, phase: Phase) -> &[StepState] {
        match phase {
            Phase::Main => &self.steps,
            Phase::Rollback => &self.rollback_steps,
        }
    }

    pub fn find(&self, phase: Phase, id: &str) -> Option<usize> {
        self.list(phase).iter().position(|s| s.id == id)
    }

    pub(super) fn step_mut(&mut self, phase: Phase, id: &str) -> Option<&mut StepState> {
        let list = match phase {
            Phase::Main => &mut self.steps,
            Phase::Rollback => &mut self.rollback_steps,
        };
        list.iter_mut().find(|s| s.id == id)
    }

    /// A step by id in either list (ids are unique across both).
    pub(super) fn step_in_any(&mut self, id: &str) -> Option<&mut StepState> {
        self.steps
            .iter_mut()
            .chain(self.rollback_steps.iter_mut())
            .find(|s| s.id == id)
    }

    /// The step currently running in the foreground, if any (background watches run beside
    /// it: see [`ReleaseState::background_running`]).
    pub fn running(&self) -> Option<(Phase, usize)> {
        for phase in [Phase::Rollback, Phase::Main] {
            if let Some(i) = self
                .list(phase)
                .iter()
                .position(|s| s.status == StepStatus::Running && !s.is_background())
            {
                return Some((phase, i));
            }
        }
        None
    }

    /// The list the release is working through now.
    pub fn active_phase(&self) -> Phase {
        if self.phase == ReleasePhase::RollingBack
            || self.phase == ReleasePhase::Finished(ReleaseOutcome::RolledBack)
        {
            Phase::Rollback
        } else {
            Phase::Main
        }
    }

    /// The first step of the active list that is not done: the one `Enter` acts on.
    pub fn current(&self) -> Option<(Phase, usize)> {
        let phase = self.active_phase();
        self.list(phase)
            .iter()
            .position(|s| {
                !(s.status.is_done() || (s.status == StepStatus::Running && s.is_background()))
            })
            .map(|i| (phase, i))
    }

    /// The running approval step with a `timeout`, and when it expires.
    pub fn approval_deadline(&self) -> Option<(Phase, usize, DateTime<Utc>)> {
        let (p, i) = self.running()?;
        let s = &self.list(p)[i];
        if s.kind != crate::runbook::StepType::Approval {
            return None;
        }
        let ms = i64::try_from(s.info.approval_timeout_ms?).unwrap_or(i64::MAX);
        let at = s
            .started_at?
            .checked_add_signed(chrono::TimeDelta::milliseconds(ms))
            .unwrap_or(DateTime::<Utc>::MAX_UTC);
        Some((p, i, at))
    }

    /// Whether `principal` (or the key `key`) is the operator's own.
    pub fn is_operator(&self, principal: &str, key: Option<&str>) -> bool {
        self.trust
            .operator_principals
            .iter()
            .any(|p| p == principal)
            || key.is_some_and(|k| self.trust.operator_key.as_deref() == Some(k))
    }

    pub fn is_finished(&self) -> bool {
        matches!(self.phase, ReleasePhase::Finished(_))
    }

    /// Rebuild the state from a journal's events. A step left running is interrupted.
    pub fn replay<'a>(events: impl IntoIterator<Item = (&'a Event, DateTime<Utc>)>) -> Self {
        let mut st = ReleaseState::default();
        for (ev, at) in events {
            st.apply(ev, at);
        }
        for s in st.steps.iter_mut().chain(st.rollback_steps.iter_mut()) {
            // A background watch is rebuilt running (`Msg::ResumeBackground` restarts it).
            if s.status == StepStatus::Running && !s.is_background() {
                s.status = StepStatus::Interrupted;
            }
        }
        st
    }
}
