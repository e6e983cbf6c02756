//! Routing container log batches into the merged sources `SERVICE/*` (pure): a copy of each
//! batch, prefixed, is held in the service's [`Merge`] and released into its view, in
//! timestamp order, once the reorder window has passed (`App` calls [`Logs::release_merged`]
//! on every message, and asks for a tick at [`Logs::merge_deadline`]).

use chrono::{DateTime, Utc};

use super::logs::Logs;
use super::merge::{self, Merge};
use crate::logs::LogLine;

impl Logs {
    /// Add the merged source `SERVICE/*` (services with `logs = true`).
    pub fn add_merged(&mut self, service: &str) {
        if !self.merges.iter().any(|(s, _)| s == service) {
            self.merges.push((service.to_owned(), Merge::default()));
            self.add_service(&merge::label(service));
        }
    }

    /// Lines of a container's stream for the source `service/container`: into its own
    /// source, and (prefixed with `prefix`, held for the reorder window) into the service's
    /// merged source when it has one.
    pub fn container_lines(
        &mut self,
        label: &str,
        lines: Vec<LogLine>,
        prefix: &str,
        now: DateTime<Utc>,
    ) {
        if let Some((service, _)) = label.split_once('/')
            && let Some((_, m)) = self.merges.iter_mut().find(|(s, _)| s == service)
        {
            m.add(prefix, &lines, now);
        }
        self.service_lines(label, lines);
    }

    /// Move every merged line that is due at `now` into its view. Whether any moved.
    pub fn release_merged(&mut self, now: DateTime<Utc>) -> bool {
        let mut moved = false;
        for i in 0..self.merges.len() {
            let lines = self.merges[i].1.release(now);
            if lines.is_empty() {
                continue;
            }
            moved = true;
            let label = merge::label(&self.merges[i].0);
            if let Some((_, v)) = self.services.iter_mut().find(|(n, _)| *n == label) {
                v.extend_lines(lines);
            }
        }
        moved
    }

    /// When the next held merged line is due, if any is held.
    pub fn merge_deadline(&self) -> Option<DateTime<Utc>> {
        self.merges.iter().filter_map(|(_, m)| m.deadline()).min()
    }
}
