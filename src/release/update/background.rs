//! Background watches and the warn band in the core (DESIGN.md §10).
//!
//! A `watch` step with `background = true` is started like any step, but it does not hold the
//! checklist: [`ReleaseState::running`] is the foreground step only, so the next step can run
//! while the watch's triggers stay armed. The release does not complete while one runs (the
//! `StepFinished` of its end completes it). A watch that saw `warn` results asks, when its time
//! ends, for an acknowledgement (a note) before it counts as passed.

use chrono::{DateTime, Utc};

use super::{Out, Refusal};
use crate::release::effect::Effect;
use crate::release::event::{Event, Outcome, Phase};
use crate::release::state::{ReleaseState, StepState, StepStatus};
use crate::runbook::StepType;

impl ReleaseState {
    /// The background watches running now (main list, in order).
    pub fn background_running(&self) -> Vec<(Phase, usize)> {
        self.steps
            .iter()
            .enumerate()
            .filter(|(_, s)| s.status == StepStatus::Running && s.is_background())
            .map(|(i, _)| (Phase::Main, i))
            .collect()
    }

    /// A watch step waiting for its warnings to be acknowledged, if any.
    pub fn ack_pending(&self) -> Option<(Phase, usize)> {
        [Phase::Main, Phase::Rollback].into_iter().find_map(|p| {
            self.list(p)
                .iter()
                .position(|s| s.status == StepStatus::Running && s.ack_pending)
                .map(|i| (p, i))
        })
    }
}

impl StepState {
    /// How long a running watch has left at `now`, in milliseconds (its duration plus
    /// extensions, from when it started).
    pub fn watch_left_ms(&self, now: DateTime<Utc>) -> u64 {
        let total = self
            .info
            .duration_ms
            .unwrap_or(0)
            .saturating_add(self.extended_ms);
        let elapsed = self.started_at.map_or(0, |t| {
            u64::try_from((now - t).num_milliseconds()).unwrap_or(0)
        });
        total.saturating_sub(elapsed)
    }

    /// `error-rate ×2, latency ×1`: the warnings a watch saw.
    pub fn warnings_text(&self) -> String {
        self.warnings
            .iter()
            .map(|(g, n)| format!("{g} ×{n}"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// `12:31`: minutes and seconds (hours as minutes past 99 stay readable as `125:00`).
pub(super) fn mmss(ms: u64) -> String {
    let s = ms.div_ceil(1000);
    format!("{}:{:02}", s / 60, s % 60)
}

/// What the release waits for when every foreground step is done, as the guide line says it:
/// `waiting for background watch soak: 12:31 left`.
pub fn waiting_for(st: &ReleaseState, now: DateTime<Utc>) -> Option<String> {
    if let Some((p, i)) = st.ack_pending() {
        let s = &st.list(p)[i];
        return Some(format!(
            "watch {} saw warnings ({}): acknowledge them with a note",
            s.id,
            s.warnings_text()
        ));
    }
    let (p, i) = *st.background_running().first()?;
    let s = &st.list(p)[i];
    Some(format!(
        "waiting for background watch {}: {} left",
        s.id,
        mmss(s.watch_left_ms(now))
    ))
}

/// `Enter` with nothing left to start: say what the release waits for.
pub(super) fn nothing_to_start(o: &Out<'_>) -> Refusal {
    match waiting_for(o.st, o.now) {
        Some(w) => Refusal(w),
        None => Refusal("every step is done".into()),
    }
}

/// The watch `e` and `+` act on: the foreground watch, else the background watch `step`
/// (the selected one), else the first background watch.
pub(super) fn watch_target(o: &Out<'_>, step: Option<&str>) -> Result<(Phase, usize), Refusal> {
    if let Some((p, i)) = o.st.running()
        && o.st.list(p)[i].kind == StepType::Watch
        && step.is_none_or(|id| id == o.st.list(p)[i].id)
    {
        return Ok((p, i));
    }
    let bg = o.st.background_running();
    let pick = match step {
        Some(id) => bg.into_iter().find(|(p, i)| o.st.list(*p)[*i].id == id),
        None => bg.into_iter().next(),
    };
    pick.ok_or_else(|| match o.st.running() {
        Some((p, i)) => Refusal(format!(
            "step `{}` is a {} step, not a watch step",
            o.st.list(p)[i].id,
            o.st.list(p)[i].kind
        )),
        None => Refusal("no watch step is running".into()),
    })
}

/// Stop every background watch (the rollback starts, or the release is abandoned): each is
/// journaled as cancelled and its executor told to stop.
pub(super) fn stop_all(o: &mut Out<'_>, reason: &str) {
    for (p, i) in o.st.background_running() {
        let ev = Event::StepFinished {
            step: o.st.list(p)[i].id.clone(),
            phase: p,
            outcome: Outcome::Cancelled,
            exit_code: None,
            reason: Some(reason.to_owned()),
            duration_ms: o.elapsed_ms(p, i),
            captures: std::collections::BTreeMap::new(),
        };
        o.emit(ev);
        o.effects.push(Effect::Cancel { phase: p, index: i });
    }
}

/// A watch's time ended well: if it saw warnings, journal that it waits for their
/// acknowledgement and ask for it (an `Execute` of a step waiting for its acknowledgement is
/// routed to a prompt). Whether it now waits.
pub(super) fn ask_ack(o: &mut Out<'_>, phase: Phase, index: usize) -> bool {
    let s = &o.st.list(phase)[index];
    if s.kind != StepType::Watch || s.warnings.is_empty() || s.ack_pending {
        return false;
    }
    let text = format!(
        "watch {} saw warnings ({}); it passes once they are acknowledged with a note",
        s.id,
        s.warnings_text()
    );
    let step = s.id.clone();
    o.emit(Event::Note {
        step: Some(step),
        phase: Some(phase),
        action: Some("warnings-ack-needed".into()),
        text,
        extend_ms: None,
    });
    o.effects.push(Effect::Execute { phase, index });
    true
}

/// The acknowledgement of a watch's warnings: journaled as a `warnings-ack` note; the watch
/// passes.
pub(super) fn ack(o: &mut Out<'_>, note: String, source: &str) -> Result<(), Refusal> {
    let (p, i) = o.st.ack_pending().ok_or(Refusal(
        "no watch waits for its warnings to be acknowledged".into(),
    ))?;
    if note.trim().is_empty() {
        return Err(Refusal(
            "acknowledging warnings needs a note: what you checked".into(),
        ));
    }
    let s = &o.st.list(p)[i];
    let text = match source {
        "operator" | "" => note,
        src => format!("{note} (from {src})"),
    };
    let step = s.id.clone();
    o.emit(Event::Note {
        step: Some(step),
        phase: Some(p),
        action: Some("warnings-ack".into()),
        text,
        extend_ms: None,
    });
    o.finish_ok(p, i);
    Ok(())
}

/// Resume: restart every background watch the journal left running, for the time it has
/// left; one whose time ended while flightdeck was stopped fails (nothing watched it).
pub(super) fn resume(o: &mut Out<'_>) -> Result<(), Refusal> {
    o.require_active()?;
    let running = o.st.background_running();
    if running.is_empty() {
        return Err(Refusal("no background watch to resume".into()));
    }
    for (p, i) in running {
        let s = &o.st.list(p)[i];
        let step = s.id.clone();
        if s.ack_pending {
            o.effects.push(Effect::Execute { phase: p, index: i });
            continue;
        }
        let left = s.watch_left_ms(o.now);
        if left == 0 {
            let ev = Event::StepFinished {
                step,
                phase: p,
                outcome: Outcome::Failed,
                exit_code: None,
                reason: Some(
                    "flightdeck stopped while this background watch ran and its time ended unwatched: r watches again · s skips it with a reason"
                        .into(),
                ),
                duration_ms: o.elapsed_ms(p, i),
                captures: std::collections::BTreeMap::new(),
            };
            o.emit(ev);
        } else {
            o.emit(Event::Note {
                step: Some(step),
                phase: Some(p),
                action: Some("watch-resumed".into()),
                text: format!("background watch resumed: {} left", mmss(left)),
                extend_ms: None,
            });
            o.effects.push(Effect::Execute { phase: p, index: i });
        }
    }
    Ok(())
}
