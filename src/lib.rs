//! flightdeck: a terminal release cockpit. See README.md for the module map.

pub mod release;
pub mod runbook;
pub mod ui;
