//! Step executors and the runtime that performs the core's effects (all step I/O lives here).
//!
//! One file per step kind: [`command`] (`run`), [`gates_step`], [`git_tag`] (pushes with
//! [`git_push`], children without a terminal from [`detached`]), [`notify`],
//! [`docker`] (`docker-deploy`, `docker-rollback`);
//! [`gates`] holds one evaluator per gate kind.

pub mod anchor;
pub mod baseline;
pub mod command;
pub mod detached;
pub mod docker;
pub mod gates;
pub mod gates_step;
pub mod git_push;
pub mod git_tag;
pub mod notifications;
pub mod notify;
pub mod resolve;
pub mod rolled_back;
pub mod runtime;
pub mod watch;
