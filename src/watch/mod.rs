//! Long-lived sources read from the world: git facts, live Docker state, and revision sources
//! (commands and version endpoints) with the watcher that sends their readings to the cockpit,
//! container log streams, and a journal followed as it grows (for `observe`).

pub mod docker;
pub mod endpoint;
pub mod gates;
pub mod git;
pub mod journal_follow;
pub mod logs;
pub mod logs_frame;
mod logs_retry;
mod logs_task;
pub mod revisions;

pub mod revisions_task;
