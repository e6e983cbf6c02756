//! The seed examples in `examples/` end to end (DESIGN §8): each runs headless in a temp copy
//! against real Docker, docker-compose v1, Prometheus, PostgreSQL (`crate::postgres`) and git,
//! with the cloud-CLI fixtures of `tests/fixtures/bin` first on PATH; each also runs its failure
//! path to a rollback. Tests skip without their components, or fail under
//! `FLIGHTDECK_REQUIRE_DOCKER=1`.

// Helpers as well as tests unwrap: a panic is the failure report.
#![allow(clippy::unwrap_used)]

mod check;
mod compose_prod;
mod container_apps;
mod helm_rollback;
mod manual_release;
mod release_process;
mod support;
mod team;
