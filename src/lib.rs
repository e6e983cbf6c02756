//! flightdeck: a terminal release cockpit. See README.md for the module map.

pub mod journal;
pub mod release;
pub mod runbook;
