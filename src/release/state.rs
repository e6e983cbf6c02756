//! The release state machine's state, and `apply`: the fold of events into state.

use std::collections::{BTreeMap, VecDeque};

use chrono::{DateTime, Utc};

use super::event::{Event, Outcome, Phase, ReleaseOutcome, StepInfo};

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
    pub kind: String,
    pub info: StepInfo,
    pub status: StepStatus,
    pub attempts: u32,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub duration_ms: Option<u64>,
    pub exit_code: Option<i32>,
    pub evidence: Option<String>,
    pub approval: Option<(String, String)>,
    pub note: Option<String>,
    /// How much a watch was extended (`+`), in milliseconds.
    pub extended_ms: u64,
    pub output_tail: VecDeque<String>,
    pub output_lines: u64,
}

impl StepState {
    fn new(info: &StepInfo) -> Self {
        Self {
            id: info.id.clone(),
            title: info.title.clone(),
            kind: info.kind.clone(),
            info: info.clone(),
            status: StepStatus::Pending,
            attempts: 0,
            started_at: None,
            finished_at: None,
            duration_ms: None,
            exit_code: None,
            evidence: None,
            approval: None,
            note: None,
            extended_ms: 0,
            output_tail: VecDeque::new(),
            output_lines: 0,
        }
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
}

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

    fn step_mut(&mut self, phase: Phase, id: &str) -> Option<&mut StepState> {
        let list = match phase {
            Phase::Main => &mut self.steps,
            Phase::Rollback => &mut self.rollback_steps,
        };
        list.iter_mut().find(|s| s.id == id)
    }

    /// A step by id in either list (ids are unique across both).
    fn step_in_any(&mut self, id: &str) -> Option<&mut StepState> {
        self.steps
            .iter_mut()
            .chain(self.rollback_steps.iter_mut())
            .find(|s| s.id == id)
    }

    /// The step currently running, if any.
    pub fn running(&self) -> Option<(Phase, usize)> {
        for phase in [Phase::Rollback, Phase::Main] {
            if let Some(i) = self
                .list(phase)
                .iter()
                .position(|s| s.status == StepStatus::Running)
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
            .position(|s| !s.status.is_done())
            .map(|i| (phase, i))
    }

    pub fn is_finished(&self) -> bool {
        matches!(self.phase, ReleasePhase::Finished(_))
    }

    /// Fold one event into the state. `at` is the event's time (the record's `ts`).
    #[allow(clippy::too_many_lines)] // one arm per event kind
    pub fn apply(&mut self, ev: &Event, at: DateTime<Utc>) {
        match ev {
            Event::ReleaseStarted {
                release_id,
                name,
                environment,
                version,
                protected,
                previous,
                lkg,
                drill,
                steps,
                rollback_steps,
                ..
            } => {
                self.release_id.clone_from(release_id);
                self.name.clone_from(name);
                self.environment.clone_from(environment);
                self.version.clone_from(version);
                self.protected = *protected;
                self.drill = *drill;
                self.previous.clone_from(previous);
                self.lkg.clone_from(lkg);
                self.steps = steps.iter().map(StepState::new).collect();
                self.rollback_steps = rollback_steps.iter().map(StepState::new).collect();
                self.phase = ReleasePhase::InProgress;
                self.started_at = Some(at);
            }
            Event::StepStarted {
                step,
                phase,
                attempt,
            } => {
                if let Some(s) = self.step_mut(*phase, step) {
                    s.status = StepStatus::Running;
                    s.attempts = *attempt;
                    s.started_at = Some(at);
                    s.finished_at = None;
                    s.duration_ms = None;
                    s.exit_code = None;
                }
            }
            Event::Output {
                step, phase, lines, ..
            } => {
                if let Some(s) = self.step_mut(*phase, step) {
                    for l in lines {
                        if s.output_tail.len() == OUTPUT_TAIL {
                            s.output_tail.pop_front();
                        }
                        s.output_tail.push_back(l.clone());
                    }
                    s.output_lines += lines.len() as u64;
                }
            }
            Event::StepFinished {
                step,
                phase,
                outcome,
                exit_code,
                reason,
                duration_ms,
                captures,
            } => {
                if let Some(s) = self.step_mut(*phase, step) {
                    s.status = match outcome {
                        Outcome::Succeeded => StepStatus::Succeeded,
                        _ => StepStatus::Failed(
                            reason.clone().unwrap_or_else(|| "failed".to_owned()),
                        ),
                    };
                    s.exit_code = *exit_code;
                    s.duration_ms = Some(*duration_ms);
                    s.finished_at = Some(at);
                }
                for (k, v) in captures {
                    self.captures.insert(k.clone(), v.clone());
                }
            }
            Event::Evidence { step, note, .. } => {
                if let Some(s) = self.step_in_any(step) {
                    s.evidence = Some(note.clone());
                }
            }
            Event::Approval {
                step, name, reason, ..
            } => {
                if let Some(s) = self.step_in_any(step) {
                    s.approval = Some((name.clone(), reason.clone()));
                }
            }
            Event::Skip {
                step,
                phase,
                reason,
            } => {
                if let Some(s) = self.step_mut(*phase, step) {
                    s.status = StepStatus::Skipped(reason.clone());
                    s.finished_at = Some(at);
                }
            }
            Event::Note {
                step,
                phase,
                action,
                text,
                extend_ms,
            } => {
                if let (Some(step), Some(phase), Some(ms)) = (step, phase, extend_ms)
                    && let Some(s) = self.step_mut(*phase, step)
                {
                    s.extended_ms = s.extended_ms.saturating_add(*ms);
                }
                if let (Some(step), Some(phase)) = (step, phase)
                    && let Some(s) = self.step_mut(*phase, step)
                {
                    s.note = Some(text.clone());
                    if action.as_deref() == Some("mark-done") {
                        s.status = StepStatus::Succeeded;
                        s.finished_at = Some(at);
                    }
                }
            }
            Event::RollbackArmed { reason, target } => {
                self.armed = Some(Armed {
                    reason: reason.clone(),
                    target: target.clone(),
                });
            }
            Event::RollbackConfirmed { target, .. } => {
                self.rollback_target.clone_from(target);
            }
            Event::RollbackStarted { target, .. } => {
                self.phase = ReleasePhase::RollingBack;
                if target.is_some() {
                    self.rollback_target.clone_from(target);
                }
                for s in &mut self.rollback_steps {
                    *s = StepState::new(&s.info.clone());
                }
            }
            Event::RollbackFinished { .. } => {
                self.armed = None;
            }
            Event::OperatorDisconnected { .. } => self.disconnected = true,
            Event::ReleaseFinished { outcome } => {
                self.phase = ReleasePhase::Finished(*outcome);
                self.finished_at = Some(at);
            }
            Event::GateResult { .. }
            | Event::TriggerTripped { .. }
            | Event::TriggerInconclusive { .. }
            | Event::DockerAction { .. }
            | Event::LockTakenOver { .. } => {}
        }
    }

    /// Rebuild the state from a journal's events. A step left running is interrupted.
    pub fn replay<'a>(events: impl IntoIterator<Item = (&'a Event, DateTime<Utc>)>) -> Self {
        let mut st = ReleaseState::default();
        for (ev, at) in events {
            st.apply(ev, at);
        }
        for s in st.steps.iter_mut().chain(st.rollback_steps.iter_mut()) {
            if s.status == StepStatus::Running {
                s.status = StepStatus::Interrupted;
            }
        }
        st
    }
}
