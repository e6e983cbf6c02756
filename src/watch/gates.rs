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

/// One measurement as a gates-pane row.
pub fn row(gate: &Gate, o: &gates::GateOutcome) -> GateRow {
    let value = GateRow::value_text(Some(&gate.kind), &o.value);
    GateRow {
        id: gate.id.clone(),
        kind: gate.kind.gate_type(),
        state: match o.state {
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
