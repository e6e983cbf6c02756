//! Rollback triggers (DESIGN.md §3.3), pure: a gate measured during a `watch` step, with
//! Argo Rollouts' semantics — `initial_delay`, `interval`, `for`, `failure_limit`,
//! `consecutive_error_limit`, `dry_run`. No clock of its own: times come with measurements.

use std::collections::VecDeque;
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::runbook::duration::saturating_add;

/// How many measurements each trigger keeps (for the sparkline and the journal).
pub const HISTORY: usize = 60;

/// One measurement's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Pass,
    Fail,
    /// Could not measure (timeout, refused, bad data): neither a pass nor a failure.
    Error,
    /// Passed its condition but failed its `warn` condition (DESIGN.md §10): counts as a pass
    /// for tripping, and the watch asks for an acknowledgement when it ends.
    Warn,
}

impl Verdict {
    /// The `gate-result` state: `pass`, `fail`, `error` or `warn`.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Fail => "fail",
            Verdict::Error => "error",
            Verdict::Warn => "warn",
        }
    }
}

/// The warn band: a measurement that passed, whose `value` fails the gate's `warn` condition,
/// is a warning, with why. A `warn` condition that cannot be evaluated on the value is a
/// warning too (a person should look). Anything else keeps its verdict.
pub fn warn_band(
    verdict: Verdict,
    warn: Option<&crate::runbook::condition::Condition>,
    value: &serde_json::Value,
) -> (Verdict, Option<String>) {
    let Some(c) = warn else {
        return (verdict, None);
    };
    if verdict != Verdict::Pass {
        return (verdict, None);
    }
    match c.eval(value) {
        Ok(true) => (Verdict::Pass, None),
        Ok(false) => (Verdict::Warn, Some(format!("fails warn `{}`", c.source()))),
        Err(why) => (Verdict::Warn, Some(why)),
    }
}

/// One measurement.
#[derive(Debug, Clone, PartialEq)]
pub struct Measurement {
    pub at: DateTime<Utc>,
    pub verdict: Verdict,
    /// The measured value (a number when there is one).
    pub value: Option<f64>,
    pub message: String,
}

/// The resolved trigger fields of a gate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spec {
    pub interval: Duration,
    pub initial_delay: Duration,
    pub for_: Option<Duration>,
    pub failure_limit: u32,
    pub consecutive_error_limit: u32,
    pub dry_run: bool,
}

/// Where a trigger stands.
#[derive(Debug, Clone, PartialEq)]
pub enum State {
    /// No measurement yet.
    Pending,
    Ok,
    /// Failing since `since` (`failures` failures in this watch).
    Failing {
        since: DateTime<Utc>,
        failures: u32,
    },
    /// Tripped: the rollback is armed.
    Tripped {
        at: DateTime<Utc>,
        message: String,
    },
    /// Too many consecutive errors: the watch pauses and asks the operator.
    Inconclusive {
        errors: u32,
    },
}

/// What a measurement changed that the watch must act on.
#[derive(Debug, Clone, PartialEq)]
pub enum Transition {
    Tripped(String),
    Inconclusive(String),
}

/// One trigger during one watch.
#[derive(Debug, Clone, PartialEq)]
pub struct Trigger {
    pub gate: String,
    pub spec: Spec,
    pub state: State,
    pub history: VecDeque<Measurement>,
    /// Failures in this watch.
    pub failures: u32,
    /// Warnings (`warn` results) in this watch.
    pub warnings: u32,
    pub consecutive_errors: u32,
    /// With `dry_run`: the trigger would have tripped (shown, never acted on).
    pub would_trip: Option<String>,
    started: DateTime<Utc>,
}

fn secs(d: Duration) -> String {
    humantime::format_duration(Duration::from_secs(d.as_secs())).to_string()
}

impl Trigger {
    pub fn new(gate: impl Into<String>, spec: Spec, started: DateTime<Utc>) -> Trigger {
        Trigger {
            gate: gate.into(),
            spec,
            state: State::Pending,
            history: VecDeque::with_capacity(HISTORY),
            failures: 0,
            warnings: 0,
            consecutive_errors: 0,
            would_trip: None,
            started,
        }
    }

    /// When the first measurement is due.
    pub fn first_due(&self) -> DateTime<Utc> {
        saturating_add(self.started, self.spec.initial_delay)
    }

    /// When the next measurement is due, after the last one (or the first).
    pub fn next_due(&self) -> DateTime<Utc> {
        match self.history.back() {
            Some(m) => saturating_add(m.at, self.spec.interval),
            None => self.first_due(),
        }
    }

    /// Whether the trigger has stopped deciding (tripped or inconclusive).
    pub fn is_settled(&self) -> bool {
        matches!(
            self.state,
            State::Tripped { .. } | State::Inconclusive { .. }
        )
    }

    /// Fold one measurement in. A settled trigger only records it.
    pub fn observe(&mut self, m: Measurement) -> Option<Transition> {
        let t = if self.is_settled() {
            None
        } else {
            self.decide(&m)
        };
        if self.history.len() == HISTORY {
            self.history.pop_front();
        }
        self.history.push_back(m);
        t
    }

    fn decide(&mut self, m: &Measurement) -> Option<Transition> {
        match m.verdict {
            Verdict::Pass | Verdict::Warn => {
                if m.verdict == Verdict::Warn {
                    self.warnings = self.warnings.saturating_add(1);
                }
                self.consecutive_errors = 0;
                self.state = State::Ok;
                None
            }
            Verdict::Error => {
                // An error neither resets nor extends a failing streak.
                self.consecutive_errors = self.consecutive_errors.saturating_add(1);
                if self.consecutive_errors > self.spec.consecutive_error_limit {
                    self.state = State::Inconclusive {
                        errors: self.consecutive_errors,
                    };
                    return Some(Transition::Inconclusive(format!(
                        "{} consecutive errors (limit {}): {}",
                        self.consecutive_errors, self.spec.consecutive_error_limit, m.message
                    )));
                }
                if self.state == State::Pending {
                    self.state = State::Ok;
                }
                None
            }
            Verdict::Fail => {
                self.consecutive_errors = 0;
                self.failures = self.failures.saturating_add(1);
                let since = match self.state {
                    State::Failing { since, .. } => since,
                    _ => m.at,
                };
                self.state = State::Failing {
                    since,
                    failures: self.failures,
                };
                let streak = (m.at - since).to_std().unwrap_or_default();
                let trips = match self.spec.for_ {
                    Some(f) => streak >= f,
                    None => self.failures > self.spec.failure_limit,
                };
                if !trips {
                    return None;
                }
                let message = match self.spec.for_ {
                    Some(_) => format!("{} for {}", m.message, secs(streak)),
                    None => format!(
                        "{} ({} failure{}, limit {})",
                        m.message,
                        self.failures,
                        if self.failures == 1 { "" } else { "s" },
                        self.spec.failure_limit
                    ),
                };
                if self.spec.dry_run {
                    self.would_trip = Some(message);
                    return None;
                }
                self.state = State::Tripped {
                    at: m.at,
                    message: message.clone(),
                };
                Some(Transition::Tripped(message))
            }
        }
    }

    /// The operator chose to continue an inconclusive watch: errors start counting afresh.
    pub fn resume_after_inconclusive(&mut self) {
        if matches!(self.state, State::Inconclusive { .. }) {
            self.consecutive_errors = 0;
            self.state = State::Ok;
        }
    }

    /// A sparkline of the recent measured values (failures and errors marked).
    pub fn sparkline(&self, width: usize) -> String {
        const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
        let recent: Vec<&Measurement> = self
            .history
            .iter()
            .skip(self.history.len().saturating_sub(width))
            .collect();
        let values: Vec<f64> = recent.iter().filter_map(|m| m.value).collect();
        let (lo, hi) = values
            .iter()
            .fold((f64::MAX, f64::MIN), |(lo, hi), v| (lo.min(*v), hi.max(*v)));
        recent
            .iter()
            .map(|m| match (m.verdict, m.value) {
                (Verdict::Error, _) => '?',
                (_, Some(v)) if hi > lo => {
                    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                    let i = (((v - lo) / (hi - lo)) * 7.0).round() as usize;
                    BARS[i.min(7)]
                }
                (Verdict::Fail, _) => '▇',
                _ => '▁',
            })
            .collect()
    }

    /// The measurements as JSON, for `trigger-tripped` records.
    pub fn measurements_json(&self) -> Vec<serde_json::Value> {
        self.history
            .iter()
            .map(|m| {
                serde_json::json!({
                    "at": m.at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
                    "verdict": m.verdict.as_str(),
                    "value": m.value,
                    "message": m.message,
                })
            })
            .collect()
    }
}

#[cfg(test)]
#[path = "trigger_tests.rs"]
mod tests;
