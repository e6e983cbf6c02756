//! Background refresh of the gates pane (DESIGN.md §4): every gate but `command` gates (which
//! may have side effects) is measured at its `interval`, for display only. Nothing here is
//! journaled and nothing decides: decisions come only from steps and triggers. After a step
//! finishes (a deploy, a rollback) the cockpit asks for every gate at once
//! ([`Refresher::refresh_now`]), so the pane does not show the old version for an interval.

use std::time::Duration;

use chrono::Utc;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::exec::gates::{self, GateCx, GateState};
use crate::model::gates::{self as model, GateRow};
use crate::runbook::{Gate, GateKind, template};

/// The refresh tasks; dropping this stops them.
pub struct Refresher {
    tasks: Vec<JoinHandle<()>>,
    now: tokio::sync::watch::Sender<()>,
}

impl Refresher {
    /// Measure every gate now (each then waits a full interval again).
    pub fn refresh_now(&self) {
        self.now.send_replace(());
    }
}

impl Drop for Refresher {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

/// One measurement as a gates-pane row (a pass that fails the gate's `warn` condition shows
/// as a warning, as a watch would journal it).
pub fn row(gate: &Gate, o: &gates::GateOutcome) -> GateRow {
    use crate::release::trigger::{Verdict, warn_band};
    let value = GateRow::value_text(Some(&gate.kind), &o.value);
    let warn = gate
        .trigger
        .warn
        .as_deref()
        .and_then(|c| crate::runbook::condition::Condition::compile(c).ok());
    let warned = o.state == GateState::Pass
        && warn_band(Verdict::Pass, warn.as_ref(), &o.value).0 == Verdict::Warn;
    GateRow {
        id: gate.id.clone(),
        kind: gate.kind.gate_type(),
        state: match o.state {
            GateState::Pass if warned => model::GateState::Warn,
            GateState::Pass => model::GateState::Pass,
            GateState::Fail => model::GateState::Fail,
            GateState::Error => model::GateState::Error,
        },
        value,
        message: o.message.clone(),
        expected: o.expected.clone(),
        at: Some(Utc::now()),
    }
}

/// Start one task per gate (not `command` gates), each measuring at its interval and sending
/// rows on `tx` until the receiver is gone.
pub fn spawn(gates: &[Gate], cx: &GateCx, tx: &mpsc::UnboundedSender<GateRow>) -> Refresher {
    let (now, asked) = tokio::sync::watch::channel(());
    let tasks = gates
        .iter()
        .filter(|g| !matches!(g.kind, GateKind::Command { .. }))
        .map(|g| {
            let gate = g.clone();
            let cx = cx.clone();
            let tx = tx.clone();
            let mut asked = asked.clone();
            let every = template::render_duration(&gate.interval, &cx.ctx)
                .unwrap_or(Duration::from_secs(30))
                .max(Duration::from_secs(1));
            tokio::spawn(async move {
                let mut tick = tokio::time::interval(every);
                tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                loop {
                    tokio::select! {
                        _ = tick.tick() => {}
                        r = asked.changed() => {
                            if r.is_err() {
                                return;
                            }
                            tick.reset();
                        }
                    }
                    let o = gates::evaluate(&gate, &cx).await;
                    if tx.send(row(&gate, &o)).is_err() {
                        return;
                    }
                }
            })
        })
        .collect();
    Refresher { tasks, now }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_pass_in_the_warn_band_shows_as_a_warning() {
        let src = r#"
[release]
name = "app"
environment = "staging"
version = "1"
[[gates]]
id = "rate"
kind = "http"
url = "http://127.0.0.1:9/stats"
json = { path = "$.rate", condition = "result <= 0.05" }
warn = "result <= 0.01"
"#;
        let gate = crate::runbook::load_str(src, std::path::Path::new("f.toml"))
            .unwrap()
            .runbook
            .gates[0]
            .clone();
        let pass = |v: f64| gates::GateOutcome::pass(serde_json::json!(v), "ok");
        assert_eq!(row(&gate, &pass(0.02)).state, model::GateState::Warn);
        assert_eq!(row(&gate, &pass(0.001)).state, model::GateState::Pass);
        let fail = gates::GateOutcome::fail(serde_json::json!(0.2), "high");
        assert_eq!(row(&gate, &fail).state, model::GateState::Fail);
        assert_eq!(model::GateState::Warn.mark(), "⚠");
    }
}
