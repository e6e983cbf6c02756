//! What goes into the App (the driver's events, keys, ticks) and what comes out of it (a
//! message for the core, quit, save), and the small state types they name.

use chrono::{DateTime, Utc};
use crossterm::event::KeyEvent;

use crate::model::revisions::RevisionsMsg;
use crate::release::{Event, Msg, Phase, PolicyView};

use super::modal::input::TextInput;
use super::model::GateRow;

/// Messages into the App.
#[derive(Debug, Clone, PartialEq)]
pub enum AppMsg {
    Key(KeyEvent),
    /// A mouse event (`--mouse` only).
    Mouse(crossterm::event::MouseEvent),
    Resize(u16, u16),
    /// A clock tick (send one at [`App::next_redraw_deadline`]).
    Tick,
    /// A durable journal record (from the driver, or read from a followed journal).
    Journaled(Event, DateTime<Utc>),
    /// Step `index` of `phase` waits for the operator's answer: open its prompt.
    Prompt {
        phase: Phase,
        index: usize,
    },
    /// The policy's state: the auto-rollback countdown, a rollback waiting for a step.
    Policy(PolicyView),
    /// Journal records queued for over a second (0: none).
    JournalPending(usize),
    /// The journal could not be written: nothing more runs (shown until the operator quits).
    Halted(String),
    /// A gate's latest measurement.
    Gate(GateRow),
    /// A refusal from outside the core (lock, runtime), shown on the status line.
    Refused(String),
    /// Log lines of a service (from `watch/`).
    ServiceLog {
        service: String,
        lines: Vec<String>,
    },
    /// A container's log stream (from `watch/logs`), already masked.
    Log(crate::model::logs::LogMsg),
    /// Set or clear the demo guide line.
    Guide(Option<String>),
    /// Set or clear the warning line.
    Warning(Option<String>),
    /// Live Docker state from `watch/docker`.
    Docker(crate::model::docker::DockerMsg),
    /// A reading from the revisions watcher (git, a command source, a version endpoint).
    Revisions(RevisionsMsg),
    /// The front end skips log pane frames (the pane scrolls fast, or the terminal backs up):
    /// the pane's title says `throttled` (see `ui/throttle.rs`).
    LogThrottled(bool),
}

/// Effects out of the App, for the runtime to perform in order.
#[derive(Debug, Clone, PartialEq)]
#[allow(clippy::large_enum_variant)] // short-lived, moved once to the driver
pub enum AppEffect {
    /// A message for the release core (the driver performs what it decides).
    Send(Msg),
    Quit,
    /// Save the log buffer of this source (see [`App::log_lines`]).
    SaveLog(String),
    /// Ask the revisions watcher to read everything again now.
    RefreshRevisions,
    /// Open stats streams for this service only (`<` / `>` selected it).
    SelectService(String),
}

/// The focused pane.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    Checklist,
    Services,
    Gates,
    Logs,
}

impl Focus {
    pub const ORDER: [Focus; 4] = [Focus::Checklist, Focus::Services, Focus::Gates, Focus::Logs];
}

/// The status line: the last refusal or information.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    pub text: String,
    pub refusal: bool,
}

/// Typing a log search: the text so far and the query it replaces (restored by `Esc`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchInput {
    pub input: TextInput,
    pub before: String,
    /// `&` (a filter) rather than `/` (a search).
    pub filter: bool,
}
