//! The subcommands: each turns parsed arguments into an exit code.

pub mod approve;
pub mod approve_pre;
pub mod approve_wait;
pub mod ask;
pub mod check;
pub mod describe;
pub mod journal;
pub mod journal_trust;
pub mod load;
pub mod observe;
pub mod plan;
pub mod report;
pub mod resume;
pub mod rollback;
pub mod run;
pub mod session;
pub mod start;
pub mod status;
pub mod status_revisions;
pub mod status_services;
