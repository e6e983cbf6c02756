//! What is known about one container: run state, health, image, times, restarts, stats.

use chrono::{DateTime, Utc};

/// A container's run state, as Docker reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunState {
    Created,
    Running,
    Paused,
    Restarting,
    Removing,
    Exited,
    Dead,
    Unknown,
}

impl RunState {
    /// Docker's own word for the state.
    pub fn as_str(self) -> &'static str {
        match self {
            RunState::Created => "created",
            RunState::Running => "running",
            RunState::Paused => "paused",
            RunState::Restarting => "restarting",
            RunState::Removing => "removing",
            RunState::Exited => "exited",
            RunState::Dead => "dead",
            RunState::Unknown => "unknown",
        }
    }
}

/// Docker's health check status (`None` when the image has no `HEALTHCHECK`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Health {
    None,
    Starting,
    Healthy,
    Unhealthy,
}

/// One container that matches at least one configured service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerInfo {
    pub id: String,
    /// The name without Docker's leading `/`.
    pub name: String,
    /// The configured services it matches, in runbook order.
    pub services: Vec<String>,
    /// The image as the container was created from it, e.g. `registry/app:1.4.2`.
    pub image: String,
    /// The image id's hex digest (`sha256:` stripped), in full; render a prefix.
    pub image_digest: String,
    pub state: RunState,
    pub exit_code: Option<i64>,
    pub health: Health,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub restart_count: u64,
}

/// CPU and memory of one container, from its stats stream.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ContainerStats {
    /// Percent of one CPU (200.0 = two CPUs busy), as `docker stats` shows it.
    pub cpu_percent: f64,
    pub mem_bytes: u64,
    pub mem_limit: u64,
}
