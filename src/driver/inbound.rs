//! What comes into the driver: journal acknowledgements (records now durable, effects they
//! release, a failed write), and readings from the live sources.

use chrono::{DateTime, Utc};

use super::{Driver, DriverEvent, journal, now_ms, rows, sources};
use crate::release::{Event, Msg};

impl Driver {
    pub(super) fn on_ack(&mut self, ack: crate::journal::Ack) {
        let Some(j) = &mut self.journal else { return };
        let released = j.on_ack(ack);
        for (ev, at) in released.events {
            self.durable(ev, at);
        }
        if let Some(why) = released.failed {
            self.halt(&format!("the journal could not be written: {why}"));
        }
        let now = now_ms();
        for later in released.later {
            match later {
                journal::Later::Effect(e) => self.run_effect(e, now),
                journal::Later::Show(ev) => self.out.push_back(ev),
            }
        }
    }

    /// A record is durable (or read from the followed journal): show it.
    fn durable(&mut self, ev: Event, at: DateTime<Utc>) {
        self.seal_point(&ev);
        self.inbox_durable(&ev);
        if matches!(ev, Event::StepFinished { .. }) {
            // After a step (a deploy, a rollback), the gates pane measures again at once, and
            // the revisions are read again (a deploy changes the live version).
            self.sources.refresh_gates();
            self.sources.refresh_revisions();
        }
        let row = self
            .resolved
            .as_ref()
            .and_then(|r| rows::gate_row(&ev, &r.runbook, at));
        self.out.push_back(DriverEvent::Journaled(ev, at));
        if let Some(row) = row {
            self.out.push_back(DriverEvent::Gate(row));
        }
    }

    pub(super) fn on_reading(&mut self, r: sources::Reading) {
        match r {
            sources::Reading::Docker(m) => {
                // A daemon going away or coming back is journaled before it is shown.
                if let Some(ev) = m.journal_event()
                    && self.core.is_some()
                {
                    self.internal(Msg::Record(ev), now_ms());
                }
                self.sources.on_docker(&m);
                self.out.push_back(DriverEvent::Docker(m));
            }
            sources::Reading::Log(m) => self.out.push_back(DriverEvent::Log(m)),
            sources::Reading::Gate(g) => self.out.push_back(DriverEvent::Gate(g)),
            sources::Reading::Revisions(mut m) => {
                m.mask(|s| self.masker.mask_in_place(s));
                self.out.push_back(DriverEvent::Revisions(m));
            }
            sources::Reading::Journal(Ok(records)) => {
                for rec in &records {
                    if let Ok((ev, at)) = crate::release::replay::event_of(rec) {
                        self.durable(ev, at);
                    }
                }
            }
            sources::Reading::Inbox(item) => self.on_inbox(item),
            sources::Reading::Journal(Err(e)) => {
                self.out
                    .push_back(DriverEvent::Refused(format!("following the journal: {e}")));
            }
        }
    }
}
