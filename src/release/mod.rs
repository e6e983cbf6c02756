//! The pure release core: state, events, messages, effects and `update` (no I/O).

mod apply;
pub mod effect;
pub mod event;
pub mod msg;
pub mod policy;
pub mod replay;
pub mod route;
pub mod state;
pub mod trigger;
pub mod update;

pub use effect::Effect;
pub use event::{Event, Outcome, Phase, ReleaseOutcome, ReleaseTrust, StepInfo};
pub use msg::{Msg, SignedApproval, TimerId};
pub use policy::{BaselinePlan, Core, Mode, Policy, PolicyView, Reminder, exit_code};
pub use route::{Routed, route};
pub use state::{ReleasePhase, ReleaseState, StepState, StepStatus, TakenBaseline};
pub use update::{Refusal, update};

#[cfg(test)]
mod tests;
