//! Taking a gate's baseline (DESIGN.md §10): the core asks for it (`Effect::MeasureBaseline`)
//! before the step its `baseline.before` names; this measures the gate `samples` times at its
//! `interval` and reports the numeric samples and their median as a `baseline` record. A watch
//! whose trigger needs a baseline that was never taken does not start: the trigger is
//! inconclusive, with the reason.

use std::collections::BTreeMap;

use serde_json::Value;

use super::gates::{self, GateCx};
use super::runtime::Runtime;
use crate::release::update::baseline::{median, value};
use crate::release::{Event, Msg, ReleaseState};
use crate::runbook::template::Context;
use crate::runbook::{Gate, Runbook};

/// Every baselined gate's value as conditions read it, or why there is none.
pub fn values(rb: &Runbook, st: &ReleaseState) -> BTreeMap<String, Result<f64, String>> {
    rb.gates
        .iter()
        .filter_map(|g| {
            let b = g.baseline.as_ref()?;
            Some((g.id.clone(), value(st, &g.id, &b.before)))
        })
        .collect()
}

/// A measured value as a number: a JSON number, or a string that parses as one.
fn as_number(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse::<f64>().ok(),
        _ => None,
    }
    .filter(|x| x.is_finite())
}

/// Measure `gate` `samples` times at its interval, in the background; report the record.
pub fn start(rt: &Runtime, st: &ReleaseState, step: &str, gate: &str, samples: u32) {
    let tx = rt.sender();
    let report = |error: String| Event::Baseline {
        step: step.to_owned(),
        gate: gate.to_owned(),
        samples: Vec::new(),
        value: None,
        error: Some(error),
    };
    let Some(g) = rt.resolved.runbook.gate(gate).cloned() else {
        let _ = tx.send(Msg::Record(report(format!("no gate `{gate}`"))));
        return;
    };
    let mut cx = GateCx::from_resolved(&rt.resolved, Some(rt.state_dir.clone()));
    cx.ctx = rt.context(st);
    let interval = match cx.duration(&g.interval) {
        Ok(d) => d,
        Err(why) => {
            let _ = tx.send(Msg::Record(report(format!("interval: {why}"))));
            return;
        }
    };
    let step = step.to_owned();
    tokio::spawn(async move {
        let mut got = Vec::new();
        let mut error = None;
        for k in 0..samples {
            if k > 0 {
                tokio::time::sleep(interval).await;
            }
            let o = gates::evaluate(&g, &cx).await;
            match as_number(&o.value) {
                Some(x) => got.push(x),
                None => error = Some(format!("sample {}: {}", k + 1, o.message)),
            }
        }
        let value = median(&got);
        if value.is_some() {
            // Some samples failed but others were numbers: the median of those is taken.
            error = error.filter(|_| got.len() < usize::try_from(samples).unwrap_or(0));
        }
        let _ = tx.send(Msg::Record(Event::Baseline {
            step,
            gate: g.id.clone(),
            samples: got,
            value,
            error,
        }));
    });
}

/// The first of `triggers` whose baseline is missing, with the reason.
pub fn missing<'a>(
    triggers: impl IntoIterator<Item = &'a Gate>,
    ctx: &Context,
) -> Option<(String, String)> {
    triggers.into_iter().find_map(|g| {
        g.baseline.as_ref()?;
        match ctx.baselines.get(&g.id) {
            Some(Err(why)) => Some((g.id.clone(), why.clone())),
            _ => None,
        }
    })
}

/// A watch whose trigger needs a baseline that was never taken does not start: the trigger is
/// journaled inconclusive and the watch fails with what the operator can do.
pub fn refuse_watch<'a>(
    rt: &Runtime,
    step: &str,
    triggers: impl IntoIterator<Item = &'a Gate>,
    ctx: &Context,
) -> Result<(), String> {
    let Some((gate, why)) = missing(triggers, ctx) else {
        return Ok(());
    };
    let _ = rt.sender().send(Msg::Record(Event::TriggerInconclusive {
        step: Some(step.to_owned()),
        gate: gate.clone(),
        message: why.clone(),
    }));
    Err(format!(
        "trigger {gate} inconclusive: {why} — r watches again · s ends the watch · R rolls back"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn numbers_and_numeric_strings_are_samples() {
        assert_eq!(as_number(&json!(12.5)), Some(12.5));
        assert_eq!(as_number(&json!(" 7 ")), Some(7.0));
        assert_eq!(as_number(&json!("ok")), None);
        assert_eq!(as_number(&Value::Null), None);
    }
}
