//! Tests of the cockpit: pure `App::update` tests (keys in every mode, prompts), the log pane's
//! state, insta snapshots of the panes and whole screens, and style asserts on key cells.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod anchor;
mod approvals;
mod background;
mod chart;
mod drawing;
mod fleet;
mod keys;
mod logpane;
mod logs;
mod matrix;
mod merged;
mod modals;
mod revisions;
mod rollback;
mod screens;
mod styles;
mod wait_for;
mod watch;

use std::collections::BTreeMap;

use chrono::{DateTime, TimeZone, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;

use crate::release::{
    Core, Effect, Event, Msg, Outcome, Phase, Policy, ReleaseState, Routed, StepInfo, route,
};

use super::app::{self, App, AppMsg};
use super::keymap::Keymap;
use super::keyspec::KeySpec;
use super::modal::Modal;
use super::model::{GateRow, GateState, Header};
use super::render::render;
use super::theme::Theme;

pub use drawing::{draw, measure_gates, screen, text};

/// A fixed time: 2026-11-25 06:00:00 UTC plus `secs`.
pub fn t(secs: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 25, 6, 0, 0).unwrap() + chrono::Duration::seconds(secs)
}

fn info(id: &str, kind: &str, title: &str) -> StepInfo {
    StepInfo {
        id: id.into(),
        title: title.into(),
        kind: kind.parse().unwrap(),
        evidence_required: kind == "manual",
        approvers: (kind == "approval").then(|| vec!["alice".to_owned(), "bob".to_owned()]),
        reason_required: kind == "approval",
        duration_ms: (kind == "watch").then_some(300_000),
        background: false,
        min_approvals: None,
        self_approval: false,
        approval_timeout_ms: None,
        wait_for: Vec::new(),
    }
}

pub const STEPS: [(&str, &str, &str); 7] = [
    (
        "qa",
        "manual",
        "QA checklist completed and attached to the release ticket",
    ),
    (
        "preflight",
        "gates",
        "Preflight: env, database, backups, TLS",
    ),
    ("deploy", "run", "Deploy backend with docker-compose"),
    ("go", "approval", "Production go/no-go approval"),
    (
        "smoke",
        "run",
        "Smoke test /health /ready /api/system/version",
    ),
    (
        "watch",
        "watch",
        "Watch health and error rate for 15 minutes",
    ),
    ("tag", "git-tag", "Tag the release v1.4.2"),
];

pub const ROLLBACK: [(&str, &str, &str); 3] = [
    (
        "rollback-1",
        "docker-rollback",
        "Roll back backend to the previous image",
    ),
    ("rollback-2", "run", "Run the down migration"),
    ("rollback-3", "notify", "Notify #releases"),
];

pub(super) fn begin(environment: &str, protected: bool) -> Event {
    Event::ReleaseStarted {
        release_id: "backend-1.4.2-20261125T060000Z".into(),
        name: "backend".into(),
        environment: environment.into(),
        version: "1.4.2".into(),
        protected,
        runbook: "flightdeck.toml".into(),
        previous: Some("v1.4.1".into()),
        lkg: Some("ga-1.4.1".into()),
        drill: false,
        steps: STEPS.iter().map(|(i, k, t)| info(i, k, t)).collect(),
        rollback_steps: ROLLBACK.iter().map(|(i, k, t)| info(i, k, t)).collect(),
        trust: None,
        runbook_sha256: None,
    }
}

pub fn header(environment: &str, protected: bool) -> Header {
    Header {
        name: "backend".into(),
        environment: environment.into(),
        protected,
        version: "1.4.2".into(),
        previous: Some("v1.4.1".into()),
        lkg: Some("ga-1.4.1".into()),
        operator: "alice".into(),
        window_deadline: Some(t(2 * 3600 - 50)),
        observing: None,
        warning: None,
    }
}

pub fn gates() -> Vec<GateRow> {
    vec![
        GateRow::pending("health", "http".parse().unwrap()),
        GateRow::pending("error-rate", "prometheus".parse().unwrap()),
        GateRow::pending("p99", "prometheus".parse().unwrap()),
        GateRow::pending("tls-expiry", "tls".parse().unwrap()),
    ]
}

/// A key as a terminal sends it: `enter`, `esc`, `R` (with Shift), `ctrl-s`, `y`.
pub fn key_event(spec: &str) -> KeyEvent {
    let k = KeySpec::parse(spec).unwrap_or_else(|| panic!("bad key {spec:?}"));
    let mut mods = k.mods;
    if let KeyCode::Char(c) = k.code
        && c.is_ascii_uppercase()
    {
        mods |= KeyModifiers::SHIFT;
    }
    KeyEvent::new(k.code, mods)
}

/// What the harness saw of one message: the core's effects (journal records, and steps handed
/// to the executors) and the App's other effects.
#[derive(Debug, Clone, PartialEq)]
#[allow(clippy::large_enum_variant)] // a test harness's record of effects
pub enum AppEffect {
    Release(Effect),
    Quit,
    SaveLog(String),
    RefreshRevisions,
    SelectService(String),
}

/// A test harness: an App over the release core, with the driver's routing done at once (every
/// record is durable when written), and a clock that moves one second a message.
pub struct H {
    pub app: App,
    pub core: Core,
    pub clock: i64,
}

impl H {
    /// `staging` (unprotected) or `production` (protected).
    pub fn new(environment: &str) -> H {
        let protected = environment == "production";
        let app = App::new(
            header(environment, protected),
            ReleaseState::default(),
            Keymap::default(),
        )
        .with_gates(gates())
        .with_services(vec![("backend".into(), true), ("worker".into(), false)])
        .with_instructions(BTreeMap::from([(
            "qa".to_owned(),
            "Check every box of the QA checklist and attach it to the release ticket.".to_owned(),
        )]));
        let mut h = H {
            app,
            core: Core::new(ReleaseState::default(), Policy::default()),
            clock: 0,
        };
        h.send(AppMsg::Resize(80, 24));
        let fx = h.release(Msg::Begin(begin(environment, protected)));
        assert_eq!(kinds(&fx), ["release-started"]);
        h
    }

    /// Put the release in state `st` (as a resumed journal would).
    pub fn set_release(&mut self, st: ReleaseState) {
        self.core.st = st.clone();
        self.app.release = st;
    }

    pub fn now(&self) -> DateTime<Utc> {
        t(self.clock)
    }

    pub fn send(&mut self, msg: AppMsg) -> Vec<AppEffect> {
        self.clock += 1;
        let now = t(self.clock);
        let fx = self.app.update(msg, now);
        self.pump(fx, now)
    }

    /// Perform the App's effects as the driver would.
    pub fn pump(&mut self, fx: Vec<app::AppEffect>, now: DateTime<Utc>) -> Vec<AppEffect> {
        let mut out = Vec::new();
        let mut queue: std::collections::VecDeque<app::AppEffect> = fx.into();
        while let Some(e) = queue.pop_front() {
            match e {
                app::AppEffect::Send(m) => self.core_msg(m, now, &mut out, &mut queue),
                app::AppEffect::Quit => out.push(AppEffect::Quit),
                app::AppEffect::SaveLog(s) => out.push(AppEffect::SaveLog(s)),
                app::AppEffect::RefreshRevisions => out.push(AppEffect::RefreshRevisions),
                app::AppEffect::SelectService(s) => out.push(AppEffect::SelectService(s)),
            }
        }
        out
    }

    fn core_msg(
        &mut self,
        m: Msg,
        now: DateTime<Utc>,
        out: &mut Vec<AppEffect>,
        queue: &mut std::collections::VecDeque<app::AppEffect>,
    ) {
        let before = self.core.view();
        let effects = match self.core.update(m, now) {
            Ok(e) => e,
            Err(r) => {
                queue.extend(self.app.update(AppMsg::Refused(r.0), now));
                return;
            }
        };
        for e in effects {
            match e {
                Effect::Journal(ev) => {
                    out.push(AppEffect::Release(Effect::Journal(ev.clone())));
                    queue.extend(self.app.update(AppMsg::Journaled(ev, now), now));
                }
                Effect::Timer { .. } => out.push(AppEffect::Release(e)),
                e => match route(&self.core.st, e.clone(), now) {
                    Routed::Prompt { phase, index } => {
                        queue.extend(self.app.update(AppMsg::Prompt { phase, index }, now));
                    }
                    Routed::Core(m) => queue.push_back(app::AppEffect::Send(m)),
                    Routed::Executor(e) => out.push(AppEffect::Release(e)),
                    Routed::None => {}
                },
            }
        }
        let view = self.core.view();
        if view != before {
            queue.extend(self.app.update(AppMsg::Policy(view), now));
        }
    }

    pub fn key(&mut self, spec: &str) -> Vec<AppEffect> {
        self.send(AppMsg::Key(key_event(spec)))
    }

    /// Type text, one key per character.
    pub fn typ(&mut self, s: &str) -> Vec<AppEffect> {
        let mut out = Vec::new();
        for c in s.chars() {
            let mods = if c.is_ascii_uppercase() {
                KeyModifiers::SHIFT
            } else {
                KeyModifiers::NONE
            };
            out.extend(self.send(AppMsg::Key(KeyEvent::new(KeyCode::Char(c), mods))));
        }
        out
    }

    /// A message from an executor or a source, straight to the core (as the driver feeds it).
    pub fn release(&mut self, m: Msg) -> Vec<AppEffect> {
        self.clock += 1;
        let now = t(self.clock);
        self.pump(vec![app::AppEffect::Send(m)], now)
    }

    /// The executor reports step `id` of `phase` finished.
    pub fn finish(&mut self, phase: Phase, id: &str, outcome: Outcome) -> Vec<AppEffect> {
        let failed = outcome != Outcome::Succeeded;
        self.release(Msg::Finished {
            phase,
            step: id.into(),
            outcome,
            exit_code: Some(i32::from(failed) * 3),
            reason: failed.then(|| "exit 3".into()),
            duration_ms: 4_200,
            captures: BTreeMap::new(),
        })
    }

    pub fn output(&mut self, phase: Phase, id: &str, lines: &[&str]) -> Vec<AppEffect> {
        self.release(Msg::Output {
            phase,
            step: id.into(),
            stream: "stdout".into(),
            lines: lines.iter().map(|s| (*s).to_owned()).collect(),
        })
    }

    /// Run the manual QA step and the preflight gates step to success.
    pub fn past_qa_and_preflight(&mut self) {
        self.key("enter");
        self.typ("QA-123 attached");
        let fx = self.key("enter");
        assert!(kinds(&fx).contains(&"evidence".to_owned()), "{fx:?}");
        let fx = self.key("enter");
        assert_eq!(executes(&fx), [(Phase::Main, 1)]);
        self.finish(Phase::Main, "preflight", Outcome::Succeeded);
    }

    pub fn modal(&self) -> Option<&Modal> {
        self.app.modal.as_ref()
    }

    pub fn status(&self) -> String {
        self.app
            .status
            .as_ref()
            .map(|s| s.text.clone())
            .unwrap_or_default()
    }
}

/// The kinds of the journal records among `effects`.
pub fn kinds(effects: &[AppEffect]) -> Vec<String> {
    effects
        .iter()
        .filter_map(|e| match e {
            AppEffect::Release(Effect::Journal(ev)) => Some(ev.kind()),
            _ => None,
        })
        .collect()
}

/// The `Execute` effects among `effects`.
pub fn executes(effects: &[AppEffect]) -> Vec<(Phase, usize)> {
    effects
        .iter()
        .filter_map(|e| match e {
            AppEffect::Release(Effect::Execute { phase, index }) => Some((*phase, *index)),
            _ => None,
        })
        .collect()
}
