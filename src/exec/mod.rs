//! Step executors and the runtime that performs the core's effects (all step I/O lives here).

pub mod command;
pub mod gates;
pub mod resolve;
pub mod runtime;
