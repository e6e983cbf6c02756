//! The `gates` step: evaluate the listed gates once, concurrently; journal each result as a
//! `gate-result`; succeed only when every gate passes. `retry = { attempts, delay }` repeats
//! the whole round after `delay` until it passes or the attempts are used up.

use std::time::{Duration, Instant};

use futures::future::join_all;
use tokio::sync::{mpsc, oneshot};

use super::command::Handle;
use super::gates::{self, GateCx, GateState};
use super::runtime::Runtime;
use crate::release::{Event, Msg, Outcome, Phase};
use crate::runbook::template::{self, Context};
use crate::runbook::{Gate, Step, StepKind};

/// What one `gates` step runs.
#[derive(Debug, Clone)]
pub struct GatesSpec {
    pub phase: Phase,
    pub step: String,
    pub gates: Vec<Gate>,
    pub attempts: u32,
    pub delay: Duration,
    pub timeout: Option<Duration>,
}

/// Build the spec for `step` and start it.
pub fn start(
    phase: Phase,
    step: &Step,
    rt: &Runtime,
    ctx: Context,
) -> Result<Option<Handle>, String> {
    let StepKind::Gates { gates, retry } = &step.kind else {
        return Err(format!("step `{}` is not a gates step", step.id));
    };
    let r = &rt.resolved;
    let err = |e: template::RenderError| r.render_error(&e);
    let mut list = Vec::new();
    for id in gates {
        let g = r
            .runbook
            .gate(id)
            .ok_or_else(|| format!("step `{}` names an unknown gate `{id}`", step.id))?;
        list.push(g.clone());
    }
    let (attempts, delay) = match retry {
        Some(rt) => (
            rt.attempts.max(1),
            template::render_duration(&rt.delay, &ctx).map_err(err)?,
        ),
        None => (1, Duration::ZERO),
    };
    let timeout = match &step.timeout {
        Some(d) => Some(template::render_duration(d, &ctx).map_err(err)?),
        None => None,
    };
    let mut cx = GateCx::from_resolved(r, Some(rt.state_dir.clone()));
    cx.ctx = ctx;
    let spec = GatesSpec {
        phase,
        step: step.id.clone(),
        gates: list,
        attempts,
        delay,
        timeout,
    };
    Ok(Some(spawn(spec, cx, rt.sender())))
}

/// Run the step; results and the final report arrive on `tx`.
pub fn spawn(spec: GatesSpec, cx: GateCx, tx: mpsc::UnboundedSender<Msg>) -> Handle {
    let (handle, cancel) = Handle::pair();
    tokio::spawn(run(spec, cx, tx, cancel));
    handle
}

async fn run(
    spec: GatesSpec,
    cx: GateCx,
    tx: mpsc::UnboundedSender<Msg>,
    cancel: oneshot::Receiver<()>,
) {
    let started = Instant::now();
    let cancelled = async {
        // A dropped handle is not a cancel.
        if cancel.await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    let limit = async {
        match spec.timeout {
            Some(t) => tokio::time::sleep(t).await,
            None => std::future::pending().await,
        }
    };
    let (outcome, reason) = tokio::select! {
        r = rounds(&spec, &cx, &tx) => match r {
            Ok(()) => (Outcome::Succeeded, None),
            Err(why) => (Outcome::Failed, Some(why)),
        },
        () = cancelled => (Outcome::Cancelled, Some("cancelled by the operator".to_owned())),
        () = limit => (
            Outcome::TimedOut,
            Some(format!("timed out after {}", gates::fmt_dur(spec.timeout.unwrap_or_default()))),
        ),
    };
    let _ = tx.send(Msg::Finished {
        phase: spec.phase,
        step: spec.step.clone(),
        outcome,
        exit_code: None,
        reason,
        duration_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        captures: std::collections::BTreeMap::new(),
    });
}

/// Evaluate every gate, up to `attempts` times. `Err` names each gate that did not pass.
async fn rounds(
    spec: &GatesSpec,
    cx: &GateCx,
    tx: &mpsc::UnboundedSender<Msg>,
) -> Result<(), String> {
    let mut why = String::new();
    for attempt in 1..=spec.attempts {
        if attempt > 1 {
            let _ = tx.send(Msg::Output {
                phase: spec.phase,
                step: spec.step.clone(),
                stream: "gates".into(),
                lines: vec![format!(
                    "not all gates passed; attempt {attempt}/{} in {}",
                    spec.attempts,
                    gates::fmt_dur(spec.delay)
                )],
            });
            tokio::time::sleep(spec.delay).await;
        }
        let results = join_all(spec.gates.iter().map(|g| gates::evaluate(g, cx))).await;
        let mut bad = Vec::new();
        for (g, o) in spec.gates.iter().zip(results) {
            if o.state != GateState::Pass {
                bad.push(format!("gate {} {}: {}", g.id, o.state, o.message));
            }
            let _ = tx.send(Msg::Output {
                phase: spec.phase,
                step: spec.step.clone(),
                stream: "gate".into(),
                lines: vec![gates::log_line(&g.id, &o)],
            });
            let _ = tx.send(Msg::Record(Event::GateResult {
                step: Some(spec.step.clone()),
                gate: g.id.clone(),
                state: o.state.as_str().to_owned(),
                value: o.value,
                message: o.message,
                expected: o.expected,
            }));
        }
        if bad.is_empty() {
            return Ok(());
        }
        why = bad.join("; ");
    }
    if spec.attempts > 1 {
        why = format!("after {} attempts: {why}", spec.attempts);
    }
    Err(why)
}
