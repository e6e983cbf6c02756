//! Long-lived sources read from the world: git facts (Docker, logs and revisions come later).

pub mod git;
