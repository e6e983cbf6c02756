//! Journal first, off the loop: records go to the committer's thread and come back durable;
//! what the core decided after a record (starting a step, a prompt) waits until that record is
//! durable, and the screen applies a record only then.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use tokio::sync::mpsc;

use crate::journal::{Ack, Committer, Entry, Writer};
use crate::release::{Effect, Event};

use super::DriverEvent;

/// What waits for the records before it to be durable.
pub enum Later {
    /// An effect to perform (start, cancel or steer a step).
    Effect(Effect),
    /// Something to show (the policy's state after those records).
    Show(DriverEvent),
}

/// How old the oldest queued record may be before the header says `journal: N pending`.
pub const PENDING_AFTER: Duration = Duration::from_secs(1);

struct Inflight {
    token: u64,
    event: Event,
    at: DateTime<Utc>,
    since: Instant,
}

/// The driver's side of the journal.
pub struct Journal {
    committer: Option<Committer>,
    acks: mpsc::UnboundedReceiver<Ack>,
    inflight: VecDeque<Inflight>,
    /// What waits for the record with this token to be durable.
    held: VecDeque<(u64, Later)>,
    operator: String,
    host: String,
}

/// What an acknowledgement released.
#[derive(Default)]
pub struct Released {
    pub events: Vec<(Event, DateTime<Utc>)>,
    pub later: Vec<Later>,
    pub failed: Option<String>,
}

impl Journal {
    pub fn new(writer: Writer, operator: String, host: String) -> Journal {
        let (tx, acks) = mpsc::unbounded_channel();
        Journal {
            committer: Some(Committer::spawn(writer, tx)),
            acks,
            inflight: VecDeque::new(),
            held: VecDeque::new(),
            operator,
            host,
        }
    }

    /// Queue `ev` (already masked) for the journal.
    pub fn submit(&mut self, ev: Event, at: DateTime<Utc>) -> Result<(), String> {
        let Some(c) = &self.committer else {
            return Err("the journal is closed".into());
        };
        let (kind, step, data) = ev.to_parts();
        let kind = crate::exec::runtime::journal_kind(&kind).map_err(|e| format!("{e:#}"))?;
        let token = c.submit(Entry {
            at,
            operator: self.operator.clone(),
            host: self.host.clone(),
            kind,
            step,
            data,
        });
        self.inflight.push_back(Inflight {
            token,
            event: ev,
            at,
            since: Instant::now(),
        });
        Ok(())
    }

    /// Hold `e` until every record queued so far is durable; `None` when none is queued (then
    /// the caller performs it now).
    pub fn hold(&mut self, e: Later) -> Option<Later> {
        match self.inflight.back() {
            Some(last) => {
                self.held.push_back((last.token, e));
                None
            }
            None => Some(e),
        }
    }

    /// Wait for the next acknowledgement.
    pub async fn ack(&mut self) -> Option<Ack> {
        if self.inflight.is_empty() {
            return std::future::pending().await;
        }
        self.acks.recv().await
    }

    /// Apply an acknowledgement: the events now durable, and the effects they release.
    pub fn on_ack(&mut self, ack: Ack) -> Released {
        let mut out = Released::default();
        match ack {
            Ack::Durable { upto, .. } => {
                while self.inflight.front().is_some_and(|i| i.token <= upto) {
                    if let Some(i) = self.inflight.pop_front() {
                        out.events.push((i.event, i.at));
                    }
                }
                while self.held.front().is_some_and(|(t, _)| *t <= upto) {
                    if let Some((_, e)) = self.held.pop_front() {
                        out.later.push(e);
                    }
                }
            }
            Ack::Failed { error, .. } => {
                self.inflight.clear();
                self.held.clear();
                out.failed = Some(error);
            }
        }
        out
    }

    /// Records queued and not yet durable, when the oldest is older than [`PENDING_AFTER`].
    pub fn pending(&self) -> usize {
        match self.inflight.front() {
            Some(i) if i.since.elapsed() >= PENDING_AFTER => self.inflight.len(),
            _ => 0,
        }
    }

    /// When the pending count may next change on its own (the oldest record turns a second old).
    pub fn pending_check_at(&self) -> Option<Instant> {
        self.inflight.front().map(|i| i.since + PENDING_AFTER)
    }

    /// Nothing queued or held.
    pub fn idle(&self) -> bool {
        self.inflight.is_empty() && self.held.is_empty()
    }

    /// Write everything queued, stop the journal thread, and hand back the writer.
    pub async fn close(&mut self) -> Result<Option<Writer>, String> {
        let Some(c) = self.committer.take() else {
            return Ok(None);
        };
        let w = tokio::task::spawn_blocking(move || c.close())
            .await
            .map_err(|e| format!("the journal thread failed: {e}"))?
            .map_err(|e| format!("{e:#}"))?;
        Ok(Some(w))
    }

    /// Acknowledgements that arrived without waiting (after [`Journal::close`]).
    pub fn try_ack(&mut self) -> Option<Ack> {
        self.acks.try_recv().ok()
    }
}
