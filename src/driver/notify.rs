//! The driver's notifier (DESIGN.md §10): the core decides which notifications fire
//! (`Effect::Notify`); this sends each to the `[[notifications]]` entries that asked for its
//! event, as background tasks that never block the release. Their attempts come back to the
//! core as `notification` records. Closing the driver gives deliveries in flight a bounded
//! time to finish, so that their records reach the journal.

use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use tokio::sync::mpsc;
use tokio::task::JoinSet;

use crate::exec::notifications::{Payload, Retry, Target, body_of, deliver, targets};
use crate::exec::resolve::Resolved;
use crate::logs::Masker;
use crate::release::{Effect, Msg, ReleaseState};
use crate::runbook::NotifyEvent;

/// How long closing waits for deliveries in flight.
pub const FLUSH: Duration = Duration::from_secs(15);

/// The webhooks of one release and their deliveries in flight.
pub struct Notifier {
    targets: Vec<Target>,
    retry: Retry,
    masker: Masker,
    tx: mpsc::UnboundedSender<Msg>,
    tasks: JoinSet<()>,
}

impl Notifier {
    /// `None` when the runbook has no `[[notifications]]`.
    pub fn new(r: &Resolved, masker: Masker, tx: mpsc::UnboundedSender<Msg>) -> Option<Notifier> {
        if r.runbook.notifications.is_empty() {
            return None;
        }
        Some(Notifier {
            targets: targets(r, &r.ctx),
            retry: Retry::default(),
            masker,
            tx,
            tasks: JoinSet::new(),
        })
    }

    /// Perform an `Effect::Notify` (any other effect is ignored).
    pub fn perform(&mut self, st: &ReleaseState, e: Effect, now: DateTime<Utc>) {
        if let Effect::Notify {
            event,
            step,
            message,
            only,
        } = e
        {
            self.send(st, event, step.as_deref(), message, only, now);
        }
    }

    /// Send `event` to every entry that asked for it (`only`: to that entry, a reminder).
    pub fn send(
        &mut self,
        st: &ReleaseState,
        event: NotifyEvent,
        step: Option<&str>,
        message: String,
        only: Option<usize>,
        now: DateTime<Utc>,
    ) {
        while self.tasks.try_join_next().is_some() {}
        let payload = Payload {
            event,
            release_id: st.release_id.clone(),
            release: st.name.clone(),
            environment: st.environment.clone(),
            version: st.version.clone(),
            step: step.map(str::to_owned),
            message,
            ts: now.to_rfc3339_opts(SecondsFormat::Millis, true),
        };
        for t in &self.targets {
            if !t.on.contains(&event) || only.is_some_and(|i| i != t.index) {
                continue;
            }
            let body = body_of(t.format, &payload);
            self.tasks.spawn(deliver(
                t.clone(),
                event,
                step.map(str::to_owned),
                body,
                self.retry,
                self.masker.clone(),
                self.tx.clone(),
            ));
        }
    }

    /// Whether deliveries are in flight.
    pub fn busy(&self) -> bool {
        !self.tasks.is_empty()
    }

    /// Wait (at most [`FLUSH`]) for the deliveries in flight.
    pub async fn flush(&mut self) {
        let deadline = tokio::time::Instant::now() + FLUSH;
        while !self.tasks.is_empty() {
            if tokio::time::timeout_at(deadline, self.tasks.join_next())
                .await
                .is_err()
            {
                self.tasks.abort_all();
                return;
            }
        }
    }
}

impl super::Driver {
    /// Let notifications in flight finish (bounded) and journal their attempts.
    pub(super) async fn flush_notifications(&mut self) {
        let Some(mut n) = self.notifier.take() else {
            return;
        };
        if n.busy() && self.halted.is_none() {
            n.flush().await;
            while let Ok(m) = self.exec_rx.try_recv() {
                self.internal(m, super::now_ms());
            }
        }
        self.notifier = Some(n);
    }
}
