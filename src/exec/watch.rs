//! The `watch` step: measure each trigger gate at its interval for `duration`; journal every
//! measurement. A trip journals `trigger-tripped` (with the measurements), arms the rollback
//! and ends the watch as failed; too many errors make it inconclusive, which ends the watch
//! without arming anything. The watch succeeds when its duration ends with no trip.
//!
//! A background watch (`background = true`, DESIGN.md §10) is the same task: the runtime keeps
//! its handle while the following steps run, and the core does not wait for it. Its deadline
//! is the step's start plus its duration and extensions, so a resumed one runs for the time it
//! had left. A measurement that passes but fails the gate's `warn` condition is journaled as
//! `warn` (the core asks for their acknowledgement when the watch ends).

use crate::runbook::duration::instant_after;
use std::pin::Pin;
use std::time::Duration;

use chrono::Utc;
use futures::stream::{FuturesUnordered, StreamExt};
use tokio::sync::{mpsc, oneshot};

use super::command::Handle;
use super::gates::{self, GateCx, GateOutcome, GateState};
use super::runtime::Runtime;
use crate::release::effect::Control;
use crate::release::trigger::{Measurement, Spec, Transition, Trigger, Verdict, warn_band};
use crate::release::{Event, Msg, Outcome, Phase};
use crate::runbook::condition::Condition;
use crate::runbook::template::{self, Context};
use crate::runbook::{Gate, Step, StepKind};

/// What one watch runs.
#[derive(Debug, Clone)]
pub struct WatchSpec {
    pub phase: Phase,
    pub step: String,
    pub duration: Duration,
    pub triggers: Vec<(Gate, Spec)>,
    /// Each trigger's compiled `warn` condition (the warn band), in `triggers` order.
    pub warn: Vec<Option<Condition>>,
    /// The rollback target to name when a trigger arms the rollback.
    pub target: Option<String>,
}

/// Resolve the watch of `step` and start it. `left`: the time the step has left by the core's
/// state (its start plus duration and extensions), when known; a resumed background watch
/// runs only for that.
pub fn start(
    phase: Phase,
    step: &Step,
    rt: &Runtime,
    ctx: &Context,
    left: Option<Duration>,
) -> Result<Option<Handle>, String> {
    let StepKind::Watch {
        duration, triggers, ..
    } = &step.kind
    else {
        return Err(format!("step `{}` is not a watch step", step.id));
    };
    let r = &rt.resolved;
    let err = |e: template::RenderError| r.render_error(&e);
    let dur = |d| template::render_duration(d, ctx).map_err(err);
    let mut list = Vec::new();
    let mut warn = Vec::new();
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
        warn.push(
            t.warn
                .as_deref()
                .map(Condition::compile)
                .transpose()
                .map_err(|e| format!("gate `{id}`: warn: {e}"))?,
        );
    }
    super::baseline::refuse_watch(rt, &step.id, list.iter().map(|(g, _)| g), ctx)?;
    let mut cx = GateCx::from_resolved(r, Some(rt.state_dir.clone()));
    cx.ctx = ctx.clone();
    let full = dur(duration)?;
    let spec = WatchSpec {
        phase,
        step: step.id.clone(),
        duration: left.map_or(full, |l| l.min(full)),
        triggers: list,
        warn,
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

/// How a watch ends: its outcome and the reason.
type End = (Outcome, Option<String>);

async fn run(
    spec: WatchSpec,
    cx: GateCx,
    tx: mpsc::UnboundedSender<Msg>,
    mut cancel: oneshot::Receiver<()>,
    mut control: mpsc::UnboundedReceiver<Control>,
) {
    let mut w = Watch::new(spec, cx, tx);
    let (outcome, reason) = loop {
        w.start_due();
        let next = w.next_wake();
        let end = tokio::select! {
            Some((i, outcome)) = w.inflight.next(), if !w.inflight.is_empty() => {
                w.on_measured(i, &outcome)
            },
            () = tokio::time::sleep_until(next) => w.on_wake(),
            Some(c) = control.recv() => w.on_control(c),
            res = &mut cancel, if w.cancel_open => w.on_cancel(res.is_ok()),
        };
        if let Some(end) = end {
            break end;
        }
    };
    let _ = w.tx.send(w.finish(outcome, reason));
}

/// The state of the watch loop: measure, record, decide, end.
struct Watch {
    spec: WatchSpec,
    cx: GateCx,
    tx: mpsc::UnboundedSender<Msg>,
    started: tokio::time::Instant,
    deadline: tokio::time::Instant,
    triggers: Vec<Trigger>,
    /// Whether each trigger has a measurement in flight.
    busy: Vec<bool>,
    inflight: FuturesUnordered<Pending>,
    cancel_open: bool,
}

impl Watch {
    fn new(spec: WatchSpec, cx: GateCx, tx: mpsc::UnboundedSender<Msg>) -> Self {
        let started = tokio::time::Instant::now();
        let t0 = Utc::now();
        let deadline = instant_after(started, spec.duration);
        let triggers: Vec<Trigger> = spec
            .triggers
            .iter()
            .map(|(g, s)| Trigger::new(g.id.clone(), s.clone(), t0))
            .collect();
        let busy = vec![false; triggers.len()];
        Self {
            spec,
            cx,
            tx,
            started,
            deadline,
            triggers,
            busy,
            inflight: FuturesUnordered::new(),
            cancel_open: true,
        }
    }

    fn finish(&self, outcome: Outcome, reason: Option<String>) -> Msg {
        Msg::Finished {
            phase: self.spec.phase,
            step: self.spec.step.clone(),
            outcome,
            exit_code: None,
            reason,
            duration_ms: u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX),
            captures: std::collections::BTreeMap::new(),
        }
    }

    /// Start a measurement for each idle trigger that is due.
    fn start_due(&mut self) {
        let now = Utc::now();
        for (i, t) in self.triggers.iter().enumerate() {
            if !self.busy[i] && !t.is_settled() && t.next_due() <= now {
                self.busy[i] = true;
                let gate = self.spec.triggers[i].0.clone();
                let cx = self.cx.clone();
                self.inflight.push(Box::pin(
                    async move { (i, gates::evaluate(&gate, &cx).await) },
                ));
            }
        }
    }

    /// When to wake: at the next due measurement, or at the end of the watch.
    fn next_wake(&self) -> tokio::time::Instant {
        self.triggers
            .iter()
            .enumerate()
            .filter(|(i, t)| !self.busy[*i] && !t.is_settled())
            .filter_map(|(_, t)| (t.next_due() - Utc::now()).to_std().ok())
            .min()
            .map_or(self.deadline, |d| {
                instant_after(tokio::time::Instant::now(), d).min(self.deadline)
            })
    }

    /// Log and journal a measurement of trigger `i`, then let its trigger decide.
    fn on_measured(&mut self, i: usize, outcome: &GateOutcome) -> Option<End> {
        self.busy[i] = false;
        let gate = self.spec.triggers[i].0.id.clone();
        let (verdict, why) = warn_band(
            verdict(outcome),
            self.spec.warn.get(i).and_then(Option::as_ref),
            &outcome.value,
        );
        self.record(&gate, outcome, verdict, why.as_deref());
        let m = Measurement {
            at: Utc::now(),
            verdict,
            value: outcome.value.as_f64(),
            message: compact(&self.spec.triggers[i].0, outcome),
        };
        match self.triggers[i].observe(m) {
            Some(Transition::Tripped(msg)) => Some(self.tripped(i, &gate, &msg)),
            Some(Transition::Inconclusive(msg)) => Some(self.inconclusive(&gate, &msg)),
            None => None,
        }
    }

    /// The measurement as a `gate` output line and a journaled gate result; a warning (the
    /// warn band) is `⚠` and `warn`, with why.
    fn record(&self, gate: &str, outcome: &GateOutcome, verdict: Verdict, why: Option<&str>) {
        let (line, state, message) = match why {
            Some(why) if verdict == Verdict::Warn => {
                let message = format!("{} — {why}", outcome.message);
                (format!("⚠ {gate}: {message}"), "warn", message)
            }
            _ => (
                gates::log_line(gate, outcome),
                outcome.state.as_str(),
                outcome.message.clone(),
            ),
        };
        let _ = self.tx.send(Msg::Output {
            phase: self.spec.phase,
            step: self.spec.step.clone(),
            stream: "gate".into(),
            lines: vec![line],
        });
        let _ = self.tx.send(Msg::Record(Event::GateResult {
            step: Some(self.spec.step.clone()),
            gate: gate.to_owned(),
            state: state.to_owned(),
            value: outcome.value.clone(),
            message,
            expected: outcome.expected.clone(),
        }));
    }

    /// Journal the trip and arm the rollback; the watch fails.
    fn tripped(&self, i: usize, gate: &str, msg: &str) -> End {
        let _ = self.tx.send(Msg::Record(Event::TriggerTripped {
            step: Some(self.spec.step.clone()),
            gate: gate.to_owned(),
            message: msg.to_owned(),
            measurements: self.triggers[i].measurements_json(),
        }));
        let target = self.spec.target.clone();
        let _ = self.tx.send(Msg::Arm {
            reason: format!("trigger {gate} tripped: {msg}"),
            target,
        });
        (
            Outcome::Failed,
            Some(format!("trigger {gate} tripped: {msg}")),
        )
    }

    /// Journal the inconclusive trigger; the watch fails without arming anything.
    fn inconclusive(&self, gate: &str, msg: &str) -> End {
        let _ = self.tx.send(Msg::Record(Event::TriggerInconclusive {
            step: Some(self.spec.step.clone()),
            gate: gate.to_owned(),
            message: msg.to_owned(),
        }));
        let why = format!(
            "trigger {gate} inconclusive: {msg} — r watches again · s ends the watch · R rolls back"
        );
        (Outcome::Failed, Some(why))
    }

    /// Woken for a measurement, or at the end of the watch.
    fn on_wake(&self) -> Option<End> {
        (tokio::time::Instant::now() >= self.deadline).then_some((Outcome::Succeeded, None))
    }

    fn on_control(&mut self, c: Control) -> Option<End> {
        match c {
            Control::Extend(ms) => {
                self.deadline = instant_after(self.deadline, Duration::from_millis(ms));
                None
            }
            Control::End => Some((Outcome::Succeeded, None)),
        }
    }

    fn on_cancel(&mut self, requested: bool) -> Option<End> {
        self.cancel_open = false;
        requested.then(|| {
            (
                Outcome::Cancelled,
                Some("watch ended by the operator".into()),
            )
        })
    }
}
