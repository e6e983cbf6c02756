//! The core's timers (`Effect::Timer`): one deadline per id, due as `Msg::Timer`.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use crate::release::TimerId;

/// Pending timers by id (setting one again replaces it).
#[derive(Debug, Default)]
pub struct Timers {
    due: BTreeMap<TimerId, DateTime<Utc>>,
}

impl Timers {
    pub fn set(&mut self, id: TimerId, at: DateTime<Utc>) {
        self.due.insert(id, at);
    }

    pub fn clear(&mut self, id: TimerId) {
        self.due.remove(&id);
    }

    /// The earliest timer.
    pub fn next_due(&self) -> Option<(TimerId, DateTime<Utc>)> {
        self.due
            .iter()
            .min_by_key(|(_, at)| **at)
            .map(|(id, at)| (*id, *at))
    }
}

/// Sleep until the wall-clock time `at` (forever for `None`).
pub async fn sleep_until_time(at: Option<DateTime<Utc>>) {
    match at {
        Some(at) => {
            let wait = (at - super::now_ms()).to_std().unwrap_or_default();
            // A far deadline (a long countdown) is clamped: the timer is checked again then.
            let wait = wait.min(std::time::Duration::from_secs(86_400));
            tokio::time::sleep(wait).await;
        }
        None => std::future::pending().await,
    }
}

/// Sleep until `at` (forever for `None`).
pub async fn sleep_until_instant(at: Option<std::time::Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(tokio::time::Instant::from_std(at)).await,
        None => std::future::pending().await,
    }
}
