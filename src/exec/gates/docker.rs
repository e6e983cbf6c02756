//! `docker` gates: not measured in this build. They need the Docker state the watcher keeps
//! (containers, health, restarts, images); until that lands every evaluation is an *error*
//! that says so, never a pass.

use super::GateOutcome;

pub fn evaluate(service: &str) -> GateOutcome {
    GateOutcome::error(format!(
        "docker gate on service `{service}` is evaluated once Docker state lands (not in this build)"
    ))
}
