//! Baselines (DESIGN.md §10), decided in the core: before a step with gates whose `baseline`
//! names it starts, each such gate is measured (`Effect::MeasureBaseline`); the step starts
//! once every `baseline` record is in. A trigger whose baseline was never taken is
//! inconclusive, with the reason [`never_taken`] gives.

use chrono::{DateTime, Utc};

use super::{Refusal, update};
use crate::release::effect::Effect;
use crate::release::event::Phase;
use crate::release::msg::Msg;
use crate::release::policy::Core;
use crate::release::state::{ReleasePhase, ReleaseState, StepStatus};

/// The median of `samples` (the mean of the middle two for an even count); `None` when empty.
pub fn median(samples: &[f64]) -> Option<f64> {
    let mut v: Vec<f64> = samples.iter().copied().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    Some(if n % 2 == 1 {
        v[n / 2]
    } else {
        f64::midpoint(v[n / 2 - 1], v[n / 2])
    })
}

/// A `baseline` record in words: `baseline api = 12 before deploy (median of 10, 12, 14)`.
pub fn summary(
    gate: &str,
    step: &str,
    samples: &[f64],
    value: Option<f64>,
    error: Option<&str>,
) -> String {
    let shown: Vec<String> = samples.iter().map(|x| fmt(*x)).collect();
    let why = error.map(|e| format!("; {e}")).unwrap_or_default();
    match value {
        Some(v) => format!(
            "baseline {gate} = {} before {step} (median of {}){why}",
            fmt(v),
            shown.join(", ")
        ),
        None => format!("baseline {gate} not taken before {step}{why}"),
    }
}

/// Up to four decimals, no trailing zeros.
fn fmt(x: f64) -> String {
    let s = format!("{x:.4}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".into() } else { s.into() }
}

/// Why gate `gate`'s baseline (taken before step `before`) is missing, in the words the
/// inconclusive trigger shows.
pub fn never_taken(st: &ReleaseState, gate: &str, before: &str) -> String {
    if let Some(b) = st.baselines.get(gate) {
        return match &b.error {
            Some(e) => format!("baseline for {gate} could not be taken: {e}"),
            None => format!("baseline for {gate} has no numeric samples"),
        };
    }
    let status = st
        .find(Phase::Main, before)
        .map(|i| st.steps[i].status.clone());
    match status {
        Some(StepStatus::Skipped(_)) => {
            format!("baseline for {gate} was never taken (step {before} was skipped)")
        }
        Some(_) => format!("baseline for {gate} was never taken (step {before} has not run)"),
        None => format!("baseline for {gate} was never taken (no step {before})"),
    }
}

/// Gate `gate`'s baseline as conditions read it, or why there is none.
pub fn value(st: &ReleaseState, gate: &str, before: &str) -> Result<f64, String> {
    st.baselines
        .get(gate)
        .and_then(|b| b.value)
        .ok_or_else(|| never_taken(st, gate, before))
}

impl Core {
    /// The gates still to measure before step `id` starts.
    fn missing_baselines(&self, id: &str) -> Vec<(String, u32)> {
        self.policy
            .baselines
            .iter()
            .filter(|b| b.before == id && !self.st.baselines.contains_key(&b.gate))
            .map(|b| (b.gate.clone(), b.samples))
            .collect()
    }

    /// `Enter`: measure the baselines the next step needs first, else run it.
    pub(crate) fn next_with_baselines(
        &mut self,
        now: DateTime<Utc>,
    ) -> Result<Vec<Effect>, Refusal> {
        super::wait_for::refuse(&self.st, now)?;
        if let Some(step) = &self.ps.baselining {
            return Err(Refusal(format!(
                "measuring the baseline before step `{step}`; it starts when the baseline is taken (x cancels)"
            )));
        }
        let startable = self.st.phase == ReleasePhase::InProgress
            && self.st.running().is_none()
            && self.st.current().is_some_and(|(p, i)| {
                p == Phase::Main && self.st.steps[i].status == StepStatus::Pending
            });
        if startable && let Some((_, i)) = self.st.current() {
            let id = self.st.steps[i].id.clone();
            let missing = self.missing_baselines(&id);
            if !missing.is_empty() {
                self.ps.baselining = Some(id.clone());
                return Ok(missing
                    .into_iter()
                    .map(|(gate, samples)| Effect::MeasureBaseline {
                        step: id.clone(),
                        gate,
                        samples,
                    })
                    .collect());
            }
        }
        update(&mut self.st, Msg::Next, now)
    }

    /// `x` while baselines are measured (nothing runs yet): stop waiting for them.
    pub(crate) fn cancel_baselining(&mut self) -> bool {
        self.st.running().is_none() && self.ps.baselining.take().is_some()
    }

    /// After every message: start the step whose baselines are all in; forget the wait when
    /// that step no longer waits (skipped, rolled back, finished).
    pub(crate) fn after_baselines(&mut self, now: DateTime<Utc>, effects: &mut Vec<Effect>) {
        let Some(id) = self.ps.baselining.clone() else {
            return;
        };
        let still = self.st.phase == ReleasePhase::InProgress
            && self.st.running().is_none()
            && self
                .st
                .current()
                .is_some_and(|(p, i)| p == Phase::Main && self.st.steps[i].id == id);
        if !still {
            self.ps.baselining = None;
            return;
        }
        if self.missing_baselines(&id).is_empty() {
            self.ps.baselining = None;
            if let Ok(more) = update(&mut self.st, Msg::Next, now) {
                effects.extend(more);
            }
        }
    }
}
