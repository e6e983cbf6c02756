//! `wait_for` in the core (issue 24): a step whose `wait_for` names background watches that
//! have not ended yet is held — neither `Enter` nor the headless run starts it — until they
//! have. A watch has ended when it is done: it passed (its time ran out, warnings acknowledged),
//! it was ended early with `e`, or it was skipped. A watch that trips fails and arms the
//! rollback, so the checklist stops at the watch and the held step never starts.
//!
//! The hold is derived from the state alone (`StepInfo::wait_for` from `release-started` and
//! each watch's status), so replay and resume rebuild it without an event of its own.

use chrono::{DateTime, Utc};

use super::Refusal;
use crate::release::event::Phase;
use crate::release::state::{ReleasePhase, ReleaseState, StepState, StepStatus};

/// A step held by `wait_for`: the step, and the first watch it still waits for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hold {
    /// Index of the held step in the main list.
    pub index: usize,
    pub step: String,
    /// Index of the watch in the main list.
    pub watch_index: usize,
    pub watch: String,
}

impl ReleaseState {
    /// The step the checklist is at, when its `wait_for` names a background watch that has
    /// not ended.
    pub fn held(&self) -> Option<Hold> {
        if self.phase != ReleasePhase::InProgress || self.running().is_some() {
            return None;
        }
        let (phase, index) = self.current()?;
        let s = &self.list(phase)[index];
        if phase != Phase::Main || s.status != StepStatus::Pending {
            return None;
        }
        s.info.wait_for.iter().find_map(|id| {
            let w = self.find(Phase::Main, id)?;
            (!self.steps[w].status.is_done()).then(|| Hold {
                index,
                step: s.id.clone(),
                watch_index: w,
                watch: id.clone(),
            })
        })
    }
}

/// What is left of the watch a step waits for: `12:31 left`, or that its warnings wait for
/// an acknowledgement.
fn left(w: &StepState, now: DateTime<Utc>) -> String {
    if w.ack_pending {
        "its warnings wait for an acknowledgement".into()
    } else {
        format!("{} left", super::background::mmss(w.watch_left_ms(now)))
    }
}

/// The guide line while a step is held: `tag waits for background watch soak: 12:31 left`.
pub fn guide_line(st: &ReleaseState, now: DateTime<Utc>) -> Option<String> {
    let h = st.held()?;
    Some(format!(
        "{} waits for background watch {}: {}",
        h.step,
        h.watch,
        left(&st.steps[h.watch_index], now)
    ))
}

/// The checklist's line under the held step: `waits for soak · 12:31 left`.
pub fn held_line(st: &ReleaseState, h: &Hold, now: DateTime<Utc>) -> String {
    format!(
        "waits for {} · {}",
        h.watch,
        left(&st.steps[h.watch_index], now)
    )
}

/// Refuse to start the held step: `step tag waits for background watch soak (12:31 left)`.
pub(super) fn refuse(st: &ReleaseState, now: DateTime<Utc>) -> Result<(), Refusal> {
    match st.held() {
        Some(h) => Err(Refusal(format!(
            "step {} waits for background watch {} ({})",
            h.step,
            h.watch,
            left(&st.steps[h.watch_index], now)
        ))),
        None => Ok(()),
    }
}

/// The line said when a held step may start: every watch it waited for has ended.
pub fn released_line(st: &ReleaseState, step: &str) -> Option<String> {
    let i = st.find(Phase::Main, step)?;
    let s = &st.steps[i];
    if st.held().is_some() || st.current() != Some((Phase::Main, i)) {
        return None;
    }
    let (noun, verb) = if s.info.wait_for.len() == 1 {
        ("watch", "has")
    } else {
        ("watches", "have")
    };
    Some(format!(
        "step {step} no longer waits: background {noun} {} {verb} ended",
        s.info.wait_for.join(", ")
    ))
}
