//! The warning line under the header: the auto-rollback countdown, a rollback that waits for
//! the running step, or the front end's own warning (e.g. SSH without tmux).

use super::app::App;

impl App {
    /// The warning line: the countdown, a rollback that waits, or the front end's warning.
    pub(crate) fn refresh_warning(&mut self) {
        let w = if let Some(why) = &self.halted {
            Some(why.clone())
        } else if let Some(at) = self.policy.countdown {
            // Whole seconds left, rounded up: 30s at the start, 1s in the last second.
            let left = ((at - self.now).num_milliseconds().max(0) + 999) / 1000;
            Some(format!(
                "AUTO ROLLBACK in {left}s · press any key to stop the countdown (the rollback stays armed)"
            ))
        } else if self.policy.rollback_waits {
            Some(
                "ROLLBACK confirmed: it starts when the running step finishes · x cancels the step"
                    .to_owned(),
            )
        } else if let Some(step) = &self.policy.baselining {
            Some(format!(
                "measuring the baseline before step `{step}` · it starts when the baseline is taken"
            ))
        } else if self.countdown_stopped && self.release.armed.is_some() {
            Some(
                "auto rollback stopped · the rollback stays armed: press R to roll back".to_owned(),
            )
        } else {
            self.anchor_warning
                .clone()
                .or_else(|| self.base_warning.clone())
        };
        if w != self.header.warning {
            self.header.warning = w;
            self.dirty = true;
        }
    }
}
