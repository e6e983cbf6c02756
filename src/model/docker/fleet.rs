//! A service at fleet scale, pure: its containers on every host folded into one summary
//! (running/total, healthy, restarting, hosts, images, summed stats), with a STALE host's
//! share counted apart and never as running.

use super::container::{Health, RunState};
use super::model::{DockerModel, HostView};

/// The mark in a retained previous container's name (see `exec::docker::ops::PREV`): such a
/// container is kept for a rollback and is no replica of the service.
pub const PREV: &str = ".prev-";

/// One service across every host.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ServiceSummary {
    /// Containers of the service on every host (retained previous ones left out).
    pub total: usize,
    /// Running containers on hosts whose state is current.
    pub running: usize,
    /// Running and healthy containers on hosts whose state is current.
    pub healthy: usize,
    /// Containers with a health check (on hosts whose state is current).
    pub checked: usize,
    /// Unhealthy containers on hosts whose state is current.
    pub unhealthy: usize,
    /// Containers restarting (Docker's `restarting` state) on hosts whose state is current.
    pub restarting: usize,
    /// Containers on a STALE (or re-listing) host: their last state is not counted.
    pub stale: usize,
    /// The hosts it has containers on, runbook order, with whether that host is stale.
    pub hosts: Vec<(String, bool)>,
    /// Distinct images with how many containers run each, most used first.
    pub images: Vec<(String, usize)>,
    /// Summed CPU percent and memory bytes of the containers with a stats sample, and how
    /// many they are.
    pub stats: Option<(f64, u64, usize)>,
}

impl ServiceSummary {
    /// Every replica counted is running and no host is stale.
    pub fn all_running(&self) -> bool {
        self.total > 0 && self.running == self.total
    }
}

/// Whether a container belongs to `service` and is a replica (not a retained previous one).
fn replica_of(c: &super::ContainerInfo, service: &str) -> bool {
    c.services.iter().any(|s| s == service) && !c.name.contains(PREV)
}

/// Fold every host's containers of `service` into one [`ServiceSummary`].
pub fn summarize(model: &DockerModel, service: &str) -> ServiceSummary {
    let mut s = ServiceSummary::default();
    let mut images: Vec<(String, usize)> = Vec::new();
    for h in &model.hosts {
        let stale = host_is_stale(h);
        let mut here = false;
        for c in h.containers.values().filter(|c| replica_of(c, service)) {
            here = true;
            s.total += 1;
            match images.iter_mut().find(|(i, _)| *i == c.image) {
                Some((_, n)) => *n += 1,
                None => images.push((c.image.clone(), 1)),
            }
            if stale {
                s.stale += 1;
                continue;
            }
            let running = c.state == RunState::Running;
            s.running += usize::from(running);
            s.healthy += usize::from(running && c.health == Health::Healthy);
            s.unhealthy += usize::from(c.health == Health::Unhealthy);
            s.checked += usize::from(c.health != Health::None);
            s.restarting += usize::from(c.state == RunState::Restarting);
            if let Some(st) = h.stats.get(&c.id) {
                let (cpu, mem, n) = s.stats.unwrap_or((0.0, 0, 0));
                s.stats = Some((cpu + st.cpu_percent, mem + st.mem_bytes, n + 1));
            }
        }
        if here {
            s.hosts.push((h.name.clone(), stale));
        }
    }
    images.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    s.images = images;
    s
}

/// Whether a host's rows are the last known state rather than current (STALE, or re-listing
/// after an outage).
pub fn host_is_stale(h: &HostView) -> bool {
    h.status.stale_since().is_some()
}

/// The part of `name` that tells it from its `siblings` (which may include it): the common
/// leading and trailing pieces, cut at `-`, `_` or `.`, are dropped (`a01` for
/// `fdbar-fleet-a01` beside `fdbar-fleet-a02`). A name with no sibling, or nothing left, is
/// kept whole.
pub fn distinguishing_part<'a>(name: &'a str, siblings: &[&str]) -> &'a str {
    let others: Vec<&str> = siblings.iter().copied().filter(|s| *s != name).collect();
    if others.is_empty() {
        return name;
    }
    let is_sep = |c: char| matches!(c, '-' | '_' | '.');
    // Leading: the longest run of whole pieces every sibling shares.
    let mut start = 0;
    for (i, c) in name.char_indices() {
        if is_sep(c) && others.iter().all(|o| o.get(..=i) == name.get(..=i)) {
            start = i + 1;
        }
    }
    // Trailing: the same from the end.
    let mut end = name.len();
    for (i, c) in name.char_indices().rev() {
        if i < start {
            break;
        }
        let tail = &name[i..];
        if is_sep(c)
            && others
                .iter()
                .all(|o| o.ends_with(tail) && o.len() > tail.len())
        {
            end = i;
        }
    }
    if start >= end {
        name
    } else {
        &name[start..end]
    }
}
