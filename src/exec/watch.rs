//! The `watch` step: measure each trigger gate at its interval for `duration`; journal every
//! measurement. A trip journals `trigger-tripped` (with the measurements), arms the rollback
//! and ends the watch as failed; too many errors make it inconclusive, which ends the watch
//! without arming anything. The watch succeeds when its duration ends with no trip.

use std::pin::Pin;
use std::time::Duration;

use chrono::Utc;
use futures::stream::{FuturesUnordered, StreamExt};
use tokio::sync::{mpsc, oneshot};

use super::command::Handle;
use super::gates::{self, GateCx, GateOutcome, GateState};
use super::runtime::Runtime;
use crate::release::effect::Control;
use crate::release::trigger::{Measurement, Spec, Transition, Trigger, Verdict};
use crate::release::{Event, Msg, Outcome, Phase};
use crate::runbook::duration::instant_after;
use crate::runbook::template::{self, Context};
use crate::runbook::{Gate, Step, StepKind};

/// What one watch runs.
#[derive(Debug, Clone)]
pub struct WatchSpec {
    pub phase: Phase,
    pub step: String,
    pub duration: Duration,
    pub triggers: Vec<(Gate, Spec)>,
    /// The rollback target to name when a trigger arms the rollback.
    pub target: Option<String>,
}

/// Resolve the watch of `step` and start it.
pub fn start(
    phase: Phase,
    step: &Step,
    rt: &Runtime,
    ctx: &Context,
) -> Result<Option<Handle>, String> {
    let StepKind::Watch { duration, triggers } = &step.kind else {
        return Err(format!("step `{}` is not a watch step", step.id));
    };
    let r = &rt.resolved;
    let err = |e: template::RenderError| r.render_error(&e);
    let dur = |d| template::render_duration(d, ctx).map_err(err);
    let mut list = Vec::new();
    for id in triggers {
        let g = r
            .runbook
            .gate(id)
            .ok_or_else(|| format!("step `{}` names an unknown gate `{id}`", step.id))?;
        let t = &g.trigger;
        let spec = Spec {
            interval: dur(&g.interval)?,
            initial_delay: dur(&t.initial_delay)?,
            for_: t.for_.as_ref().map(dur).transpose()?,
            failure_limit: t.failure_limit,
            consecutive_error_limit: t.consecutive_error_limit,
            dry_run: t.dry_run,
        };
        list.push((g.clone(), spec));
    }
    let mut cx = GateCx::from_resolved(r, Some(rt.state_dir.clone()));
    cx.ctx = ctx.clone();
    let spec = WatchSpec {
        phase,
        step: step.id.clone(),
        duration: dur(duration)?,
        triggers: list,
        target: ctx
            .rollback_version
            .clone()
            .or_else(|| super::resolve::rollback_target(r)),
    };
    let (handle, cancel) = Handle::pair();
    let (ctl_tx, ctl_rx) = mpsc::unbounded_channel();
    tokio::spawn(run(spec, cx, rt.sender(), cancel, ctl_rx));
    Ok(Some(handle.with_control(ctl_tx)))
}

fn verdict(o: &GateOutcome) -> Verdict {
    match o.state {
        GateState::Pass => Verdict::Pass,
        GateState::Fail => Verdict::Fail,
        GateState::Error => Verdict::Error,
    }
}

/// A measurement in a few words, for the banner: the value and the condition it fails.
fn compact(gate: &Gate, o: &GateOutcome) -> String {
    use crate::runbook::{GateKind, JsonCheck};
    let value = match &o.value {
        serde_json::Value::Number(n) => n.to_string(),
        serde_json::Value::String(s) if s.len() <= 40 => s.clone(),
        _ => return o.message.clone(),
    };
    if o.state != GateState::Fail {
        return value;
    }
    let why = match &gate.kind {
        GateKind::Prometheus {
            failure_condition: Some(c),
            ..
        } => format!("meets `{c}`"),
        GateKind::Prometheus {
            success_condition: Some(c),
            ..
        }
        | GateKind::Http {
            json: Some(JsonCheck::Condition { condition: c, .. }),
            ..
        } => format!("fails `{c}`"),
        _ => return format!("{value}: {}", o.message),
    };
    format!("{value} {why}")
}

type Pending = Pin<Box<dyn std::future::Future<Output = (usize, GateOutcome)> + Send>>;

#[allow(clippy::too_many_lines)] // one select loop: measure, record, decide, end
async fn run(
    spec: WatchSpec,
    cx: GateCx,
    tx: mpsc::UnboundedSender<Msg>,
    mut cancel: oneshot::Receiver<()>,
    mut control: mpsc::UnboundedReceiver<Control>,
) {
    let started = tokio::time::Instant::now();
    let t0 = Utc::now();
    let mut deadline = instant_after(started, spec.duration);
    let mut triggers: Vec<Trigger> = spec
        .triggers
        .iter()
        .map(|(g, s)| Trigger::new(g.id.clone(), s.clone(), t0))
        .collect();
    let mut busy = vec![false; triggers.len()];
    let mut inflight: FuturesUnordered<Pending> = FuturesUnordered::new();
    let mut cancel_open = true;
    let finish = |outcome: Outcome, reason: Option<String>| Msg::Finished {
        phase: spec.phase,
        step: spec.step.clone(),
        outcome,
        exit_code: None,
        reason,
        duration_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        captures: std::collections::BTreeMap::new(),
    };
    loop {
        let now = Utc::now();
        for (i, t) in triggers.iter().enumerate() {
            if !busy[i] && !t.is_settled() && t.next_due() <= now {
                busy[i] = true;
                let gate = spec.triggers[i].0.clone();
                let cx = cx.clone();
                inflight.push(Box::pin(
                    async move { (i, gates::evaluate(&gate, &cx).await) },
                ));
            }
        }
        // Wake at the next due measurement, or at the end of the watch.
        let next = triggers
            .iter()
            .enumerate()
            .filter(|(i, t)| !busy[*i] && !t.is_settled())
            .filter_map(|(_, t)| (t.next_due() - Utc::now()).to_std().ok())
            .min()
            .map_or(deadline, |d| {
                instant_after(tokio::time::Instant::now(), d).min(deadline)
            });
        tokio::select! {
            Some((i, outcome)) = inflight.next(), if !inflight.is_empty() => {
                busy[i] = false;
                let gate = spec.triggers[i].0.id.clone();
                let _ = tx.send(Msg::Output {
                    phase: spec.phase,
                    step: spec.step.clone(),
                    stream: "gate".into(),
                    lines: vec![gates::log_line(&gate, &outcome)],
                });
                let _ = tx.send(Msg::Record(Event::GateResult {
                    step: Some(spec.step.clone()),
                    gate: gate.clone(),
                    state: outcome.state.as_str().to_owned(),
                    value: outcome.value.clone(),
                    message: outcome.message.clone(),
                    expected: outcome.expected.clone(),
                }));
                let m = Measurement {
                    at: Utc::now(),
                    verdict: verdict(&outcome),
                    value: outcome.value.as_f64(),
                    message: compact(&spec.triggers[i].0, &outcome),
                };
                match triggers[i].observe(m) {
                    Some(Transition::Tripped(msg)) => {
                        let _ = tx.send(Msg::Record(Event::TriggerTripped {
                            gate: gate.clone(),
                            message: msg.clone(),
                            measurements: triggers[i].measurements_json(),
                        }));
                        let target = spec.target.clone();
                        let _ = tx.send(Msg::Arm { reason: format!("trigger {gate} tripped: {msg}"), target });
                        let _ = tx.send(finish(Outcome::Failed, Some(format!("trigger {gate} tripped: {msg}"))));
                        return;
                    }
                    Some(Transition::Inconclusive(msg)) => {
                        let _ = tx.send(Msg::Record(Event::TriggerInconclusive { gate: gate.clone(), message: msg.clone() }));
                        let why = format!(
                            "trigger {gate} inconclusive: {msg} — r watches again · s ends the watch · R rolls back"
                        );
                        let _ = tx.send(finish(Outcome::Failed, Some(why)));
                        return;
                    }
                    None => {}
                }
            },
            () = tokio::time::sleep_until(next) => {
                if tokio::time::Instant::now() >= deadline {
                    let _ = tx.send(finish(Outcome::Succeeded, None));
                    return;
                }
            },
            Some(c) = control.recv() => match c {
                Control::Extend(ms) => deadline = instant_after(deadline, Duration::from_millis(ms)),
                Control::End => {
                    let _ = tx.send(finish(Outcome::Succeeded, None));
                    return;
                }
            },
            res = &mut cancel, if cancel_open => {
                cancel_open = false;
                if res.is_ok() {
                    let _ = tx.send(finish(Outcome::Cancelled, Some("watch ended by the operator".into())));
                    return;
                }
            },
        }
    }
}
