//! Where the core's effects go once the records before them are durable: executors run most
//! steps, but a manual or approval step is answered by a person (a prompt in the cockpit, the
//! answers file headless), and cancelling one is reported back to the core at once.

use chrono::{DateTime, Utc};

use super::effect::Effect;
use super::event::{Outcome, Phase};
use super::msg::Msg;
use super::state::{ReleaseState, StepStatus};

/// One effect, routed.
#[derive(Debug, Clone, PartialEq)]
pub enum Routed {
    /// Ask for the answer to step `index` of `phase` (evidence or an approval).
    Prompt { phase: Phase, index: usize },
    /// Feed this message back to the core (a prompt step was cancelled).
    Core(Msg),
    /// For the executors (start, cancel or steer a step).
    Executor(Effect),
    /// Nothing to do.
    None,
}

/// Route an `Execute`, `Cancel` or `Control` effect against the core's state `st`.
pub fn route(st: &ReleaseState, e: Effect, now: DateTime<Utc>) -> Routed {
    match e {
        Effect::Execute { phase, index } => match st.list(phase).get(index) {
            // A watch waiting for its warnings' acknowledgement asks for it, like evidence.
            Some(s) if s.kind.is_answered() || s.ack_pending => Routed::Prompt { phase, index },
            Some(_) => Routed::Executor(e),
            None => Routed::None,
        },
        Effect::Cancel { phase, index } => match st.list(phase).get(index) {
            Some(s) if s.kind.is_answered() || s.ack_pending => {
                if s.status != StepStatus::Running {
                    return Routed::None;
                }
                let ms = s.started_at.map_or(0, |t| {
                    u64::try_from((now - t).num_milliseconds()).unwrap_or(0)
                });
                Routed::Core(Msg::Finished {
                    phase,
                    step: s.id.clone(),
                    outcome: Outcome::Cancelled,
                    exit_code: None,
                    reason: Some("cancelled by the operator".into()),
                    duration_ms: ms,
                    captures: std::collections::BTreeMap::new(),
                })
            }
            Some(_) => Routed::Executor(e),
            None => Routed::None,
        },
        Effect::Control { .. } | Effect::MeasureBaseline { .. } => Routed::Executor(e),
        // Notifications are the driver's (its notifier), never an executor's.
        Effect::Journal(_) | Effect::Timer { .. } | Effect::Notify { .. } => Routed::None,
    }
}
