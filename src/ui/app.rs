//! `App`: the single owner of the cockpit's state, and `App::update`, pure (no I/O, no await):
//! the driver's events and keys in, effects out (messages for the core, quit, save) for the
//! front end to hand on. The release state it shows is built from durable records only.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, DurationRound, Utc};
use crossterm::event::KeyEventKind;

use crate::model::revisions::RevisionsModel;
use crate::release::{Msg, Phase, PolicyView, ReleaseState};

use super::keymap::Keymap;
use super::logs::Logs;
use super::modal::Modal;
use super::model::{GateRow, Header};

pub use super::msg::{AppEffect, AppMsg, Focus, SearchInput, Status};

#[path = "app_setup.rs"]
mod setup;

#[derive(Debug, Clone)]
pub struct App {
    pub(crate) release: ReleaseState,
    pub(crate) header: Header,
    pub(crate) keymap: Keymap,
    pub(crate) focus: Focus,
    pub(crate) modal: Option<Modal>,
    pub(crate) logs: Logs,
    pub(crate) search: Option<SearchInput>,
    pub(crate) status: Option<Status>,
    pub(crate) gates: Vec<GateRow>,
    /// Placeholder for the services pane (a later issue shows live state).
    pub(crate) services: Vec<String>,
    /// Git facts, revision rows and live versions (see `ui/revisions.rs`).
    pub(crate) revisions: RevisionsModel,
    /// `rollback.target = "pick"`: `R` opens the picker first.
    pub(crate) pick: bool,
    pub(crate) instructions: BTreeMap<String, String>,
    pub(crate) demo_guide: Option<String>,
    /// The checklist's top row when scrolled by hand (`None`: keep the current step in view).
    pub(crate) checklist_top: Option<usize>,
    pub(crate) gates_top: usize,
    pub(crate) services_top: usize,
    /// The selected service (an index into the Docker services): its containers' CPU and
    /// memory show, and only its stats streams are open.
    pub(crate) selected_service: usize,
    /// Services expanded into their containers in the services pane (`→`; `←` folds).
    pub(crate) expanded: std::collections::BTreeSet<String>,
    /// The last 60 measurements of each gate (state and value), for the watch's sparklines.
    pub(crate) gate_history:
        BTreeMap<String, std::collections::VecDeque<(super::model::GateState, Option<f64>)>>,
    /// The triggers' series for the chart (`g`): journaled watch measurements, thresholds,
    /// baselines.
    pub(crate) series: super::series::Series,
    /// The gate selected in the gates pane (↑↓ while it is focused), for `g`.
    pub(crate) gate_selected: Option<usize>,
    /// Live Docker state and the runbook's services, when any are configured.
    /// The image each service's `docker-deploy` step deploys (service, image).
    pub deploy_targets: Vec<(String, String)>,
    pub(crate) docker: Option<(
        crate::model::docker::DockerModel,
        Vec<crate::runbook::Service>,
    )>,
    /// Each log source's prefix in its service's merged source, worked out once per
    /// membership of the Docker model (emptied by every Docker message but stats).
    pub(crate) log_prefixes: std::collections::HashMap<String, String>,
    pub(crate) size: (u16, u16),
    /// The policy's state as the driver last reported it.
    pub(crate) policy: PolicyView,
    /// The countdown was stopped by a key (the rollback stays armed).
    pub(crate) countdown_stopped: bool,
    /// The warning line the front end set (e.g. SSH without tmux).
    pub(crate) base_warning: Option<String>,
    /// Journal records waiting for the disk for over a second.
    pub(crate) journal_pending: usize,
    /// `anchor push failed: …` while the last anchor push failed (DESIGN.md §9.3).
    pub(crate) anchor_warning: Option<String>,
    /// A prompt opened at once for a step whose start is not durable yet (keys typed right
    /// after ⏎ go into it, never to the keymap).
    pub(crate) awaiting: Option<(Phase, String)>,
    /// Why the release halted (the journal could not be written), once it has.
    pub(crate) halted: Option<String>,
    /// The time of the last message, for the clocks.
    pub(crate) now: DateTime<Utc>,
    pub(crate) dirty: bool,
}

impl App {
    /// A cockpit for `release` (replayed from a journal, or empty until
    /// `AppMsg::Release(Msg::Begin(..))`). Send `AppMsg::Resize` with the real size first.
    pub fn new(header: Header, release: ReleaseState, keymap: Keymap) -> App {
        App {
            release,
            header,
            keymap,
            focus: Focus::Logs,
            modal: None,
            logs: Logs::new(),
            search: None,
            status: None,
            gates: Vec::new(),
            services: Vec::new(),
            revisions: RevisionsModel::default(),
            pick: false,
            instructions: BTreeMap::new(),
            demo_guide: None,
            checklist_top: None,
            gates_top: 0,
            services_top: 0,
            selected_service: 0,
            expanded: std::collections::BTreeSet::new(),
            gate_history: BTreeMap::new(),
            series: super::series::Series::default(),
            gate_selected: None,
            deploy_targets: Vec::new(),
            docker: None,
            log_prefixes: std::collections::HashMap::new(),
            size: (80, 24),
            policy: PolicyView::default(),
            countdown_stopped: false,
            base_warning: None,
            journal_pending: 0,
            anchor_warning: None,
            awaiting: None,
            halted: None,
            now: DateTime::<Utc>::UNIX_EPOCH,
            dirty: true,
        }
    }

    pub fn release(&self) -> &ReleaseState {
        &self.release
    }

    /// Replace the header (`observe` shows the observed operator's release).
    pub fn set_header(&mut self, header: Header) {
        self.header = header;
        self.dirty = true;
    }

    pub fn header(&self) -> &Header {
        &self.header
    }

    pub fn modal(&self) -> Option<&Modal> {
        self.modal.as_ref()
    }

    pub fn status(&self) -> Option<&Status> {
        self.status.as_ref()
    }

    pub fn focus(&self) -> Focus {
        self.focus
    }

    pub fn gates(&self) -> &[GateRow] {
        &self.gates
    }

    pub fn logs(&self) -> &Logs {
        &self.logs
    }

    /// The lines of the log source labelled `source` (for `AppEffect::SaveLog`).
    pub fn log_lines(&self, source: &str) -> Option<Vec<String>> {
        (0..self.logs.count())
            .filter_map(|i| self.logs.source(i))
            .find(|(s, _)| s.label() == source)
            .map(|(_, v)| v.iter().map(str::to_owned).collect())
    }

    /// Whether anything visible changed since [`App::clear_dirty`].
    pub fn dirty(&self) -> bool {
        self.dirty
    }

    /// Call after drawing.
    pub fn clear_dirty(&mut self) {
        self.dirty = false;
    }

    /// Whether a clock is on screen: a running step's timer, the window countdown or gate ages.
    pub fn clocks_visible(&self) -> bool {
        self.release.running().is_some()
            || self.policy.countdown.is_some()
            || self.header.window_deadline.is_some()
            || self.gates.iter().any(|g| g.at.is_some())
    }

    /// When to send the next `Tick`: the next whole second while a clock is visible, or
    /// sooner when merged log lines are due.
    pub fn next_redraw_deadline(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let merge = self.logs.merge_deadline();
        if !self.clocks_visible() {
            return merge;
        }
        let second = now.duration_trunc(Duration::seconds(1)).unwrap_or(now);
        let clock = second + Duration::seconds(1);
        Some(merge.map_or(clock, |m| m.min(clock)))
    }

    /// Apply one message; returns what the runtime must do, in order. Pure.
    pub fn update(&mut self, msg: AppMsg, now: DateTime<Utc>) -> Vec<AppEffect> {
        let mut out = Vec::new();
        let second_changed = now.timestamp() != self.now.timestamp();
        self.now = now;
        match msg {
            AppMsg::Key(ev) => {
                if ev.kind == KeyEventKind::Release {
                    return out;
                }
                self.dirty = true;
                if self.policy.countdown.is_some() {
                    // Any key stops the countdown, and does nothing else.
                    self.countdown_stopped = true;
                    out.push(AppEffect::Send(Msg::StopCountdown));
                } else {
                    self.key(&ev, now, &mut out);
                }
            }
            AppMsg::Mouse(m) => self.mouse(m),
            AppMsg::Resize(w, h) => {
                self.size = (w, h);
                self.dirty = true;
            }
            AppMsg::Tick => {
                if second_changed && self.clocks_visible() {
                    self.dirty = true;
                }
            }
            m @ (AppMsg::Journaled(..)
            | AppMsg::Prompt { .. }
            | AppMsg::Policy(_)
            | AppMsg::Halted(_)
            | AppMsg::JournalPending(_)) => {
                self.dirty = true;
                self.driver_msg(m);
            }
            AppMsg::Gate(row) => {
                self.dirty = true;
                let h = self.gate_history.entry(row.id.clone()).or_default();
                if h.len() == 60 {
                    h.pop_front();
                }
                h.push_back((
                    row.state,
                    row.value
                        .split_whitespace()
                        .next()
                        .and_then(|v| v.parse().ok()),
                ));
                match self.gates.iter_mut().find(|g| g.id == row.id) {
                    Some(g) => *g = row,
                    None => self.gates.push(row),
                }
            }
            AppMsg::Refused(text) => {
                self.dirty = true;
                if self.awaiting.take().is_some() {
                    // The step did not start: its prompt goes.
                    self.modal = None;
                }
                self.refuse(text);
            }
            AppMsg::ServiceLog { service, lines } => {
                self.dirty = true;
                self.logs.service_output(&service, lines);
            }
            AppMsg::Log(m) => self.container_log(m, now),
            AppMsg::Guide(g) => {
                self.dirty = true;
                self.demo_guide = g;
            }
            AppMsg::Warning(w) => {
                self.dirty = true;
                self.base_warning = w;
            }
            AppMsg::Docker(m) => {
                if !matches!(m, crate::model::docker::DockerMsg::Stats { .. }) {
                    self.log_prefixes.clear();
                }
                if let Some((model, _)) = &mut self.docker
                    && model.apply(m)
                {
                    self.dirty = true;
                }
            }
            AppMsg::Revisions(m) => {
                self.dirty = true;
                self.revisions_msg(m);
            }
            AppMsg::LogThrottled(on) => {
                self.dirty |= self.logs.throttled != on;
                self.logs.throttled = on;
            }
        }
        if self.logs.release_merged(now) {
            self.dirty = true;
        }
        self.check_modal();
        self.refresh_warning();
        out
    }

    pub(crate) fn refuse(&mut self, text: String) {
        self.status = Some(Status {
            text,
            refusal: true,
        });
    }

    pub(crate) fn inform(&mut self, text: String) {
        self.status = Some(Status {
            text,
            refusal: false,
        });
    }

    /// Close a modal whose step stopped running (finished, cancelled, rolled back).
    fn check_modal(&mut self) {
        let running = |phase: Phase, id: &str| {
            self.release
                .running()
                .is_some_and(|(p, i)| p == phase && self.release.list(p)[i].id == id)
        };
        if let Some((phase, id)) = &self.awaiting
            && running(*phase, id)
        {
            self.awaiting = None;
        }
        let stale = match self.modal.as_ref().and_then(Modal::running_step) {
            Some((phase, id)) => {
                !running(phase, id)
                    && self
                        .awaiting
                        .as_ref()
                        .is_none_or(|(p, i)| *p != phase || i != id)
            }
            None => false,
        };
        if stale {
            self.modal = None;
        }
    }
}
