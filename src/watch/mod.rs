//! Long-lived sources read from the world: git facts and live Docker state (logs and
//! revisions come later).

pub mod docker;
pub mod git;
