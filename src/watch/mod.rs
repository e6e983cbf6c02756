//! Long-lived sources read from the world: git facts, revision sources (commands and version
//! endpoints) and the revisions watcher that sends their readings to the cockpit.

pub mod endpoint;
pub mod git;
pub mod revisions;
pub mod revisions_model;
pub mod revisions_task;
