//! The auto-rollback countdown (`rollback.auto`, never in a protected environment) and the
//! demo's guide line, updated after every event of the loop.

use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::plain::now_ms;
use crate::release::{Msg, ReleasePhase};
use crate::runbook::RollbackTarget;
use crate::runbook::duration::instant_after;
use crate::ui::app::{App, AppMsg};

use super::Loop;

impl Loop<'_> {
    /// Start the auto-rollback countdown when a trigger armed the rollback and
    /// `rollback.auto` applies (never in a protected environment).
    pub(super) fn maybe_start_countdown(&mut self) {
        let st = self.app.release();
        if st.armed.is_none() || st.phase != ReleasePhase::InProgress {
            if self.counted {
                // Disarmed, or the rollback ran: the countdown line goes away.
                self.counted = false;
                self.countdown = None;
                self.process(AppMsg::Warning(self.base_warning.clone()), now_ms());
            }
            return;
        }
        let r = &self.rt.resolved;
        // With `rollback.target = "pick"` a person picks the target: no countdown.
        let pick = r.runbook.rollback.target == RollbackTarget::Pick;
        if self.counted || !r.runbook.rollback.auto || r.protected || pick || st.is_finished() {
            return;
        }
        let delay = crate::runbook::template::render_duration(
            &r.runbook.rollback.auto_delay,
            &self.rt.context(st),
        )
        .unwrap_or(Duration::from_secs(30));
        self.counted = true;
        self.countdown = Some(instant_after(tokio::time::Instant::now(), delay));
        self.show_countdown(now_ms());
    }

    pub(super) fn show_countdown(&mut self, now: DateTime<Utc>) {
        if let Some(at) = self.countdown {
            let left = at
                .saturating_duration_since(tokio::time::Instant::now())
                .as_secs()
                + 1;
            let text = format!(
                "AUTO ROLLBACK in {left}s · press any key to stop the countdown (the rollback stays armed)"
            );
            self.process(AppMsg::Warning(Some(text)), now);
        }
    }

    /// After each event: the auto-rollback countdown, and the demo's guide line.
    pub(super) fn after_event(
        &mut self,
        guide: Option<fn(&App) -> Option<String>>,
        shown: &mut Option<String>,
    ) {
        self.maybe_start_countdown();
        if let Some(guide) = guide {
            let g = guide(&self.app);
            if g != *shown {
                shown.clone_from(&g);
                self.process(AppMsg::Guide(g), now_ms());
            }
        }
        if let Some(at) = self.countdown {
            if tokio::time::Instant::now() >= at {
                self.fire_countdown(now_ms());
            } else {
                self.show_countdown(now_ms());
            }
        }
    }

    /// Any key stops the countdown; the rollback stays armed.
    pub(super) fn stop_countdown(&mut self, now: DateTime<Utc>) {
        self.countdown = None;
        let text =
            "auto rollback stopped · the rollback stays armed: press R to roll back".to_owned();
        self.process(AppMsg::Warning(Some(text)), now);
    }

    pub(super) fn fire_countdown(&mut self, now: DateTime<Utc>) {
        self.countdown = None;
        let target = self
            .app
            .release()
            .armed
            .as_ref()
            .and_then(|a| a.target.clone());
        self.process(AppMsg::Warning(self.base_warning.clone()), now);
        self.process(
            AppMsg::Release(Msg::Rollback {
                by: "auto".into(),
                target,
            }),
            now,
        );
    }
}
