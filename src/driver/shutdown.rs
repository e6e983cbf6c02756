//! Ending a run: the operator hanging up (the running step finishes, nothing new starts) and
//! closing (everything decided made durable and performed).

use super::{Driver, DriverEvent, journal, now_ms, timers};
use crate::release::{Event, Msg, ReleaseState};

impl Driver {
    /// The operator is gone: journal it, stop the live display, let the running step (and a
    /// rollback already under way) finish with its outcome journaled; nothing new starts.
    pub async fn hang_up(&mut self, reason: String) {
        self.sources.stop_display();
        self.signals = None;
        if self.core.is_none() {
            return;
        }
        self.internal(
            Msg::Record(Event::OperatorDisconnected { reason }),
            now_ms(),
        );
        // A step a person answers (an approval waiting for approvers) has nothing running to
        // finish: it stays open in the journal, to be resumed.
        let busy = |s: &ReleaseState| {
            s.running()
                .is_some_and(|(p, i)| !s.list(p)[i].kind.is_answered())
        };
        while self.state().is_some_and(busy) || !self.settled() || !self.sealer.idle() {
            if self.halted.is_some() {
                break;
            }
            let _ = self.next().await;
        }
    }

    /// Wait until everything decided is durable and performed, showing nothing (the caller
    /// drains [`Driver::next`] itself when it wants the events).
    pub async fn close(&mut self) -> Result<(), String> {
        self.timers = timers::Timers::default();
        self.finish_seals().await;
        self.flush_notifications().await;
        let Some(j) = &mut self.journal else {
            return Ok(());
        };
        j.close().await?;
        while let Some(ack) = self.journal.as_mut().and_then(journal::Journal::try_ack) {
            self.on_ack(ack);
        }
        self.journal = None;
        Ok(())
    }

    /// Events left after [`Driver::close`].
    pub fn drain(&mut self) -> Vec<DriverEvent> {
        self.out.drain(..).collect()
    }
}
