//! Pure conversions from bollard's API objects to the model: an inspected container to a
//! [`ContainerInfo`], a stats sample to [`ContainerStats`] (the `docker stats` formulas).

use std::collections::HashMap;

use bollard::models::{
    ContainerInspectResponse, ContainerStateStatusEnum, ContainerStatsResponse, ContainerSummary,
    ContainerSummaryStateEnum, HealthStatusEnum,
};
use chrono::{DateTime, Utc};

use super::matcher::Matchers;
use crate::model::docker::{ContainerInfo, ContainerStats, Health, RunState};

/// The container's name (without `/`) and labels, for matching.
pub fn name_and_labels(c: &ContainerInspectResponse) -> (String, HashMap<String, String>) {
    let name = c.name.as_deref().unwrap_or_default();
    let name = name.strip_prefix('/').unwrap_or(name).to_owned();
    let labels = c
        .config
        .as_ref()
        .and_then(|cfg| cfg.labels.clone())
        .unwrap_or_default();
    (name, labels)
}

/// The model's view of an inspected container, when it matches a service.
pub fn container_info(c: &ContainerInspectResponse, matchers: &Matchers) -> Option<ContainerInfo> {
    let (name, labels) = name_and_labels(c);
    let services = matchers.services_for(&name, &labels);
    if services.is_empty() {
        return None;
    }
    let state = c.state.as_ref();
    let run_state = match state.and_then(|s| s.status) {
        Some(ContainerStateStatusEnum::CREATED) => RunState::Created,
        Some(ContainerStateStatusEnum::RUNNING) => RunState::Running,
        Some(ContainerStateStatusEnum::PAUSED) => RunState::Paused,
        Some(ContainerStateStatusEnum::RESTARTING) => RunState::Restarting,
        Some(ContainerStateStatusEnum::REMOVING) => RunState::Removing,
        Some(ContainerStateStatusEnum::EXITED) => RunState::Exited,
        Some(ContainerStateStatusEnum::DEAD) => RunState::Dead,
        _ => RunState::Unknown,
    };
    // A stopped container keeps its last health status; like `docker ps`, show none.
    let live = matches!(
        run_state,
        RunState::Running | RunState::Paused | RunState::Restarting
    );
    let health = match state.and_then(|s| s.health.as_ref()).and_then(|h| h.status) {
        _ if !live => Health::None,
        Some(HealthStatusEnum::STARTING) => Health::Starting,
        Some(HealthStatusEnum::HEALTHY) => Health::Healthy,
        Some(HealthStatusEnum::UNHEALTHY) => Health::Unhealthy,
        _ => Health::None,
    };
    let image = c
        .config
        .as_ref()
        .and_then(|cfg| cfg.image.clone())
        .unwrap_or_default();
    let digest = c.image.as_deref().unwrap_or_default();
    let digest = digest.strip_prefix("sha256:").unwrap_or(digest).to_owned();
    Some(ContainerInfo {
        id: c.id.clone().unwrap_or_default(),
        name,
        services,
        image,
        image_digest: digest,
        state: run_state,
        exit_code: state
            .and_then(|s| s.exit_code)
            .filter(|_| run_state != RunState::Running),
        health,
        started_at: state.and_then(|s| time(s.started_at.as_deref())),
        finished_at: state.and_then(|s| time(s.finished_at.as_deref())),
        restart_count: c
            .restart_count
            .and_then(|n| u64::try_from(n).ok())
            .unwrap_or(0),
    })
}

/// A first, provisional view of a listed container, when it matches a service: what
/// `docker ps` knows (state, health and exit code from its status line, image, creation
/// time). The inspect that follows replaces it with the start time and restart count.
pub fn summary_info(c: &ContainerSummary, matchers: &Matchers) -> Option<ContainerInfo> {
    let name = c.names.as_ref()?.first()?;
    let name = name.strip_prefix('/').unwrap_or(name).to_owned();
    let empty = HashMap::new();
    let services = matchers.services_for(&name, c.labels.as_ref().unwrap_or(&empty));
    if services.is_empty() {
        return None;
    }
    let state = match c.state {
        Some(ContainerSummaryStateEnum::CREATED) => RunState::Created,
        Some(ContainerSummaryStateEnum::RUNNING | ContainerSummaryStateEnum::STOPPING) => {
            RunState::Running
        }
        Some(ContainerSummaryStateEnum::PAUSED) => RunState::Paused,
        Some(ContainerSummaryStateEnum::RESTARTING) => RunState::Restarting,
        Some(ContainerSummaryStateEnum::REMOVING) => RunState::Removing,
        Some(ContainerSummaryStateEnum::EXITED) => RunState::Exited,
        Some(ContainerSummaryStateEnum::DEAD) => RunState::Dead,
        _ => RunState::Unknown,
    };
    let status = c.status.as_deref().unwrap_or_default();
    let live = matches!(
        state,
        RunState::Running | RunState::Paused | RunState::Restarting
    );
    let health = match status {
        _ if !live => Health::None,
        s if s.contains("(healthy)") => Health::Healthy,
        s if s.contains("(unhealthy)") => Health::Unhealthy,
        s if s.contains("(health: starting)") => Health::Starting,
        _ => Health::None,
    };
    // `Exited (137) 5 seconds ago`, `Restarting (1) 2 seconds ago`.
    let exit_code = status
        .split_once('(')
        .and_then(|(_, rest)| rest.split_once(')'))
        .and_then(|(code, _)| code.parse().ok())
        .filter(|_| {
            matches!(
                state,
                RunState::Exited | RunState::Restarting | RunState::Dead
            )
        });
    let digest = c.image_id.as_deref().unwrap_or_default();
    Some(ContainerInfo {
        id: c.id.clone()?,
        name,
        services,
        image: c.image.clone().unwrap_or_default(),
        image_digest: digest.strip_prefix("sha256:").unwrap_or(digest).to_owned(),
        state,
        exit_code,
        health,
        started_at: None,
        finished_at: None,
        restart_count: 0,
    })
}

/// An RFC 3339 time from the API; Docker's zero time (`0001-01-01T00:00:00Z`) is `None`.
pub fn time(s: Option<&str>) -> Option<DateTime<Utc>> {
    let t = DateTime::parse_from_rfc3339(s?).ok()?.with_timezone(&Utc);
    (t.timestamp() > 0).then_some(t)
}

/// CPU and memory from one stats sample (which carries the previous CPU sample too).
/// `None` for the first sample of a stream, whose previous CPU sample is empty.
pub fn stats(s: &ContainerStatsResponse) -> Option<ContainerStats> {
    let cpu = s.cpu_stats.as_ref()?;
    let pre = s.precpu_stats.as_ref()?;
    let total =
        |c: &bollard::models::ContainerCpuStats| c.cpu_usage.as_ref().and_then(|u| u.total_usage);
    let (now_total, pre_total) = (total(cpu)?, total(pre)?);
    let (now_sys, pre_sys) = (cpu.system_cpu_usage?, pre.system_cpu_usage?);
    let cpus = cpu.online_cpus.map_or_else(
        || {
            cpu.cpu_usage
                .as_ref()
                .and_then(|u| u.percpu_usage.as_ref())
                .map_or(1, Vec::len)
        },
        |n| n as usize,
    );
    let cpu_delta = now_total.saturating_sub(pre_total);
    let sys_delta = now_sys.saturating_sub(pre_sys);
    #[allow(clippy::cast_precision_loss, reason = "a percentage for display")]
    let cpu_percent = if sys_delta > 0 {
        cpu_delta as f64 / sys_delta as f64 * cpus.max(1) as f64 * 100.0
    } else {
        0.0
    };
    let mem = s.memory_stats.as_ref()?;
    let usage = mem.usage.unwrap_or(0);
    // As `docker stats`: page cache that could be reclaimed is not counted.
    let cache = mem
        .stats
        .as_ref()
        .and_then(|m| {
            m.get("total_inactive_file")
                .or_else(|| m.get("inactive_file"))
                .copied()
        })
        .filter(|c| *c < usage)
        .unwrap_or(0);
    Some(ContainerStats {
        cpu_percent,
        mem_bytes: usage - cache,
        mem_limit: mem.limit.unwrap_or(0),
    })
}
