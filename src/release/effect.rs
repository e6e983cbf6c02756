//! Effects out of the release core: what the runtime must do (journal first, then I/O).

use super::event::{Event, Phase};

#[derive(Debug, Clone, PartialEq)]
#[allow(clippy::large_enum_variant)] // short-lived, moved once into the runtime
pub enum Effect {
    /// Append this event to the journal (fsynced before anything is shown as done).
    Journal(Event),
    /// Start executing step `index` of `phase`.
    Execute { phase: Phase, index: usize },
    /// Cancel the running step `index` of `phase`.
    Cancel { phase: Phase, index: usize },
    /// Send `Msg::Timer { id }` back at `at` (a later timer with the same id replaces it).
    Timer {
        id: super::msg::TimerId,
        at: chrono::DateTime<chrono::Utc>,
    },
    /// Measure gate `gate` `samples` times at its interval for its baseline (DESIGN.md §10),
    /// before step `step` starts; reported back as `Msg::Record(Event::Baseline { .. })`.
    MeasureBaseline {
        step: String,
        gate: String,
        samples: u32,
    },
    /// Tell the `[[notifications]]` webhooks about `event` (`only`: just that entry, a
    /// reminder). Delivered in the background; every attempt comes back as a record.
    Notify {
        event: crate::runbook::NotifyEvent,
        step: Option<String>,
        message: String,
        only: Option<usize>,
    },
    /// Steer the running step `index` of `phase` (a watch: extend or end).
    Control {
        phase: Phase,
        index: usize,
        control: Control,
    },
}

/// How a running watch is steered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Control {
    /// Add this many milliseconds to its duration.
    Extend(u64),
    /// End it now (it succeeds).
    End,
}
