//! flightdeck: a terminal release cockpit. See README.md for the module map.

pub mod answers;
pub mod cli;
pub mod cmd;
pub mod cockpit;
pub mod demo;
pub mod driver;
pub mod exec;
#[doc(hidden)]
pub mod fuzzing;
pub mod journal;
pub mod logs;
pub mod model;
pub mod plain;
pub mod release;
pub mod runbook;
pub mod trust;
pub mod ui;
pub mod watch;
