//! The one driver (DESIGN §2.1): it owns the release core with its policy, the journal
//! committer, the step executors, the timers and every live source, and performs the core's
//! effects — journal first. The cockpit, `observe` and `--plain` are thin front ends over it:
//! they turn its [`DriverEvent`]s into a screen or lines, and keys or answers into `Msg`s.

mod anchor;
mod inbound;
mod inbox;
mod journal;
mod notify;
mod rows;
mod seal;
mod setup;
mod shutdown;
mod sources;
mod timers;

use std::collections::VecDeque;

use chrono::{DateTime, Utc};
use tokio::signal::unix::Signal;
use tokio::sync::mpsc;

use crate::exec::resolve::Resolved;
use crate::exec::runtime::Runtime;
use crate::journal::Writer;
use crate::model::docker::DockerMsg;
use crate::model::gates::GateRow;
use crate::model::logs::LogMsg;
use crate::model::revisions::RevisionsMsg;
use crate::release::{
    Core, Effect, Event, Mode, Msg, Phase, PolicyView, ReleaseState, Routed, route,
};

pub use inbox::INBOX_REFUSED;
pub use journal::PENDING_AFTER;
pub use seal::operator_key;
pub use setup::{headless, live, policy_for};
pub use sources::Sources;

use setup::{signals, wait_signal};

/// Milliseconds-precise now, as journal records carry it.
pub fn now_ms() -> DateTime<Utc> {
    let n = Utc::now();
    DateTime::from_timestamp_millis(n.timestamp_millis()).unwrap_or(n)
}

/// What the driver tells a front end.
#[derive(Debug, Clone, PartialEq)]
pub enum DriverEvent {
    /// A record is durable (or was read from a followed journal): apply it.
    Journaled(Event, DateTime<Utc>),
    /// Step `index` of `phase` waits for a person's answer (evidence or an approval).
    Prompt {
        phase: Phase,
        index: usize,
    },
    /// A message from an executor or a source was refused.
    Refused(String),
    /// The journal could not be written: nothing more runs.
    Halted(String),
    Policy(PolicyView),
    /// Records queued for over a second (0: none).
    JournalPending(usize),
    Docker(DockerMsg),
    Log(LogMsg),
    Gate(GateRow),
    Revisions(RevisionsMsg),
    /// SIGHUP, SIGTERM or SIGINT: the operator is gone.
    Disconnected(String),
}

pub(super) struct Signals {
    pub(super) hup: Signal,
    pub(super) term: Signal,
    pub(super) int: Signal,
}

/// The driver of one release (or of an observed one).
pub struct Driver {
    core: Option<Core>,
    rt: Option<Runtime>,
    resolved: Option<Resolved>,
    masker: crate::logs::Masker,
    journal: Option<journal::Journal>,
    exec_rx: mpsc::UnboundedReceiver<Msg>,
    _exec_tx: mpsc::UnboundedSender<Msg>,
    timers: timers::Timers,
    sources: Sources,
    signals: Option<Signals>,
    out: VecDeque<DriverEvent>,
    halted: Option<String>,
    shown_policy: PolicyView,
    shown_pending: usize,
    sealer: seal::Sealer,
    anchorer: anchor::Anchorer,
    /// `[[notifications]]` deliveries (none without the section, or when observing).
    notifier: Option<Box<notify::Notifier>>,
}

impl Driver {
    /// Drive a release: `core` is its state (new, or replayed from `writer`'s journal) with
    /// its policy; `sources` what the front end shows live.
    pub fn new(
        resolved: Resolved,
        writer: Writer,
        core: Core,
        host: String,
        sources: Sources,
    ) -> std::io::Result<Driver> {
        let (tx, exec_rx) = mpsc::unbounded_channel();
        let dir = writer.state_dir().clone();
        let rt = Runtime::new(resolved.clone(), dir, host.clone(), tx.clone());
        let masker = rt.masker.clone();
        let (sealer, anchorer) = anchor::for_release(&resolved, &writer, &rt.operator, &masker);
        let notifier = notify::Notifier::new(&resolved, masker.clone(), tx.clone()).map(Box::new);
        let journal = journal::Journal::new(writer, rt.operator.clone(), host);
        Ok(Driver {
            core: Some(core),
            rt: Some(rt),
            resolved: Some(resolved),
            masker,
            journal: Some(journal),
            exec_rx,
            _exec_tx: tx,
            timers: timers::Timers::default(),
            sources,
            signals: Some(signals()?),
            out: VecDeque::new(),
            halted: None,
            shown_policy: PolicyView::default(),
            shown_pending: 0,
            sealer,
            anchorer,
            notifier,
        })
    }

    /// Observe a release read-only: `sources` follow its journal (and live state when the
    /// runbook resolved).
    pub fn observer(resolved: Option<Resolved>, sources: Sources) -> std::io::Result<Driver> {
        let (tx, exec_rx) = mpsc::unbounded_channel();
        let masker = resolved
            .as_ref()
            .map(|r| crate::exec::runtime::masker_for(r).0)
            .unwrap_or_default();
        Ok(Driver {
            core: None,
            rt: None,
            resolved,
            masker,
            journal: None,
            exec_rx,
            _exec_tx: tx,
            timers: timers::Timers::default(),
            sources,
            signals: Some(signals()?),
            out: VecDeque::new(),
            halted: None,
            shown_policy: PolicyView::default(),
            shown_pending: 0,
            sealer: seal::Sealer::off(),
            anchorer: anchor::Anchorer::off(),
            notifier: None,
        })
    }

    /// The core's state: what has been decided (some of it may not be durable yet).
    pub fn state(&self) -> Option<&ReleaseState> {
        self.core.as_ref().map(|c| &c.st)
    }

    pub fn core(&self) -> Option<&Core> {
        self.core.as_ref()
    }

    pub fn resolved(&self) -> Option<&Resolved> {
        self.resolved.as_ref()
    }

    /// The masker of the runbook's secrets.
    pub fn masker(&self) -> &crate::logs::Masker {
        &self.masker
    }

    pub fn operator(&self) -> &str {
        self.rt.as_ref().map_or("", |r| r.operator.as_str())
    }

    /// The exit code of the run so far.
    pub fn exit_code(&self, mode: Mode) -> i32 {
        self.core.as_ref().map_or(0, |c| c.exit_code(mode))
    }

    /// Everything decided is durable and performed: a headless front end may act.
    pub fn settled(&self) -> bool {
        self.out.is_empty() && self.journal.as_ref().is_none_or(journal::Journal::idle)
    }

    pub fn halted(&self) -> Option<&str> {
        self.halted.as_deref()
    }

    /// Feed a message from the front end to the core. A refusal is returned (nothing changed).
    pub fn send(&mut self, msg: Msg) -> Result<(), String> {
        self.send_at(msg, now_ms())
    }

    fn send_at(&mut self, mut msg: Msg, now: DateTime<Utc>) -> Result<(), String> {
        if let Some(h) = &self.halted {
            return Err(format!("HALTED: {h}"));
        }
        let Some(core) = &mut self.core else {
            return Err("read-only: observing; actions are disabled".into());
        };
        self.masker.mask_msg(&mut msg);
        let effects = core.update(msg, now).map_err(|r| r.0)?;
        self.perform(effects, now);
        self.show_policy();
        Ok(())
    }

    fn perform(&mut self, effects: Vec<Effect>, now: DateTime<Utc>) {
        for e in effects {
            match e {
                Effect::Journal(ev) => self.journal_event(ev, now),
                Effect::Timer { id, at } => self.timers.set(id, at),
                other => {
                    let Some(j) = &mut self.journal else { continue };
                    if let Some(journal::Later::Effect(e)) = j.hold(journal::Later::Effect(other)) {
                        self.run_effect(e, now);
                    }
                }
            }
        }
    }

    fn journal_event(&mut self, ev: Event, now: DateTime<Utc>) {
        if let (Event::Baseline { .. }, Some(r), Some(c)) = (&ev, &self.resolved, &self.core) {
            let values = crate::exec::baseline::values(&r.runbook, &c.st);
            self.sources.set_baselines(values);
        }
        let Some(j) = &mut self.journal else { return };
        if let Err(why) = j.submit(ev, now) {
            self.halt(&why);
        }
    }

    fn halt(&mut self, why: &str) {
        if self.halted.is_none() {
            let text = format!(
                "{why} — nothing more will run; quit and fix it, the journal keeps everything before it"
            );
            self.halted = Some(text.clone());
            self.out
                .push_back(DriverEvent::Halted(format!("HALTED: {text}")));
        }
    }

    /// Perform an effect whose records are durable.
    fn run_effect(&mut self, e: Effect, now: DateTime<Utc>) {
        if self.halted.is_some() {
            return;
        }
        let (Some(core), Some(rt)) = (&self.core, &mut self.rt) else {
            return;
        };
        if let Effect::Notify { .. } = e {
            if let Some(n) = &mut self.notifier {
                n.perform(&core.st, e, now);
            }
            return;
        }
        match route(&core.st, e, now) {
            Routed::Prompt { phase, index } => {
                self.out.push_back(DriverEvent::Prompt { phase, index });
            }
            Routed::Core(m) => self.internal(m, now),
            Routed::Executor(e) => {
                if let Some(model) = &self.sources.model
                    && rt.refuse_stale_docker(&e, model)
                {
                    return;
                }
                rt.perform(&e, &core.st);
            }
            Routed::None => {}
        }
    }

    /// A message from an executor, a source or a timer: a refusal is shown, not returned.
    fn internal(&mut self, m: Msg, now: DateTime<Utc>) {
        if let Err(why) = self.send_at(m, now) {
            self.out.push_back(DriverEvent::Refused(why));
        }
    }

    fn show_policy(&mut self) {
        let Some(core) = &self.core else { return };
        let view = core.view();
        if view != self.shown_policy {
            self.shown_policy = view.clone();
            // Shown after the records that led to it (the banner before its countdown).
            let show = journal::Later::Show(DriverEvent::Policy(view));
            let now = match &mut self.journal {
                Some(j) => j.hold(show),
                None => Some(show),
            };
            if let Some(journal::Later::Show(ev)) = now {
                self.out.push_back(ev);
            }
        }
    }

    fn show_pending(&mut self) {
        let n = self.journal.as_ref().map_or(0, journal::Journal::pending);
        if n != self.shown_pending {
            self.shown_pending = n;
            self.out.push_back(DriverEvent::JournalPending(n));
        }
    }

    /// Open stats streams for this service only (`<` / `>` selected it).
    pub fn select_stats(&self, service: &str) {
        self.sources.select_stats(service);
    }

    /// Read every revision source again now.
    pub fn refresh_revisions(&self) {
        self.sources.refresh_revisions();
    }

    /// The next thing to show if one is ready now, without waiting.
    pub fn ready(&mut self) -> Option<DriverEvent> {
        self.out.pop_front()
    }

    /// The next thing to show. Waits on every source, the journal and the timers.
    pub async fn next(&mut self) -> DriverEvent {
        loop {
            if let Some(e) = self.out.pop_front() {
                return e;
            }
            self.wait().await;
            self.show_pending();
            self.show_policy();
        }
    }

    async fn wait(&mut self) {
        let pending_at = self
            .journal
            .as_ref()
            .and_then(journal::Journal::pending_check_at);
        let timer = self.timers.next_due();
        tokio::select! {
            Some(ack) = async {
                match &mut self.journal {
                    Some(j) => j.ack().await,
                    None => std::future::pending().await,
                }
            } => self.on_ack(ack),
            Some(m) = self.exec_rx.recv() => self.internal(m, now_ms()),
            r = self.sources.next() => self.on_reading(r),
            s = self.sealer.next() => self.on_sealed(s),
            ev = self.anchorer.next() => self.internal(Msg::Record(ev), now_ms()),
            () = timers::sleep_until_instant(pending_at) => {}
            () = timers::sleep_until_time(timer.map(|(_, at)| at)) => {
                if let Some((id, _)) = timer {
                    self.timers.clear(id);
                    self.internal(Msg::Timer { id }, now_ms());
                }
            }
            reason = wait_signal(&mut self.signals) => {
                self.out.push_back(DriverEvent::Disconnected(reason));
            }
        }
    }
}
