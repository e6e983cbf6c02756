//! Gates, the steps built on them (`gates`, `git-tag`, `notify`) and `flightdeck status`,
//! against real components on 127.0.0.1: the demo service, TLS servers, Prometheus, git.

// Test helpers as well as tests unwrap: a panic is the failure report (clippy.toml allows it
// only inside `#[test]` functions).
#![allow(clippy::unwrap_used)]

mod expected;
mod git_tag;
mod http;
mod local;
mod notify;
pub mod prometheus;
mod refresh;
mod release;
mod status;
mod steps;
pub mod support;
mod tls;
