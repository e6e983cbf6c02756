//! The triggers' series for the chart (`g`): every journaled `gate-result` of a watch step,
//! per gate (the last [`MAX_POINTS`]), each trigger's threshold (from the runbook) and its
//! baseline once known; and which trigger and watch `g` charts.

use std::collections::{BTreeMap, VecDeque};

use chrono::{DateTime, Utc};

use super::app::App;
use crate::model::threshold::Threshold;
use crate::model::trend::{Mark, Point, number};

/// Points kept per gate.
pub const MAX_POINTS: usize = 2_000;

/// One gate's measurements during watches, with the watch step each belongs to.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GateSeries {
    pub points: VecDeque<(String, Point)>,
}

impl GateSeries {
    /// The watch step of the latest measurement.
    pub fn last_step(&self) -> Option<&str> {
        self.points.back().map(|(s, _)| s.as_str())
    }

    /// The measurements of `step` taken at or after `since`.
    pub fn of_step(&self, step: &str, since: Option<DateTime<Utc>>) -> Vec<Point> {
        self.points
            .iter()
            .filter(|(s, p)| s == step && since.is_none_or(|t| p.at >= t))
            .map(|(_, p)| *p)
            .collect()
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Series {
    pub gates: BTreeMap<String, GateSeries>,
    /// Each gate's threshold, from the runbook.
    pub thresholds: BTreeMap<String, Threshold>,
    /// Each gate's baseline once measured (the `baseline` record's `value`).
    pub baselines: BTreeMap<String, f64>,
    /// Each watch step's triggers, from the runbook.
    pub watches: BTreeMap<String, Vec<String>>,
}

impl Series {
    /// A journaled measurement of `gate` by the watch step `step`.
    pub fn record(
        &mut self,
        step: &str,
        gate: &str,
        state: &str,
        value: &serde_json::Value,
        at: DateTime<Utc>,
    ) {
        let s = self.gates.entry(gate.to_owned()).or_default();
        if s.points.len() == MAX_POINTS {
            s.points.pop_front();
        }
        s.points.push_back((
            step.to_owned(),
            Point {
                at,
                mark: Mark::parse(state),
                value: number(value),
            },
        ));
    }

    /// The baseline of `gate` (from its `baseline` record).
    pub fn set_baseline(&mut self, gate: &str, value: Option<f64>) {
        match value {
            Some(v) => self.baselines.insert(gate.to_owned(), v),
            None => self.baselines.remove(gate),
        };
    }

    pub fn baseline(&self, gate: &str) -> Option<f64> {
        self.baselines.get(gate).copied()
    }

    /// Gates measured during a watch, in the order of their latest measurement (newest last).
    pub fn measured(&self) -> Vec<&str> {
        let mut v: Vec<(&str, DateTime<Utc>)> = self
            .gates
            .iter()
            .filter_map(|(g, s)| s.points.back().map(|(_, p)| (g.as_str(), p.at)))
            .collect();
        v.sort_by_key(|(_, at)| *at);
        v.into_iter().map(|(g, _)| g).collect()
    }
}

impl App {
    /// `g`: open the chart of the gate selected in the focused gates pane, else of the latest
    /// measured trigger (of the running watch first; else a watch's first trigger).
    pub(crate) fn open_chart(&mut self) -> Result<(), crate::release::Refusal> {
        use crate::release::Refusal;
        let selected = self
            .gate_selected
            .filter(|_| self.focus == super::app::Focus::Gates)
            .and_then(|i| self.gates.get(i));
        let gate = match selected {
            Some(g) => g.id.clone(),
            None => self.default_trigger().ok_or_else(|| {
                Refusal(
                    "no trigger to chart: no watch step has triggers (select a gate with ↑↓ in the gates pane)"
                        .into(),
                )
            })?,
        };
        let step = self.watch_of(&gate).ok_or_else(|| {
            Refusal(format!(
                "`{gate}` is not a trigger of a watch step: nothing to chart"
            ))
        })?;
        self.modal = Some(super::modal::Modal::Chart(super::chart::ChartView {
            gate,
            step,
        }));
        Ok(())
    }

    /// Watch steps, the running ones first, then by start (latest first).
    fn watch_steps(&self) -> Vec<&crate::release::StepState> {
        let mut v: Vec<&crate::release::StepState> = self
            .release
            .steps
            .iter()
            .chain(self.release.rollback_steps.iter())
            .filter(|s| s.kind == crate::runbook::StepType::Watch)
            .collect();
        v.sort_by_key(|s| {
            (
                s.status != crate::release::StepStatus::Running,
                std::cmp::Reverse(s.started_at),
            )
        });
        v
    }

    fn lists(&self, step: &str, gate: &str) -> bool {
        self.series
            .watches
            .get(step)
            .is_some_and(|t| t.iter().any(|g| g == gate))
    }

    /// The watch step whose measurements of `gate` the chart shows.
    fn watch_of(&self, gate: &str) -> Option<String> {
        let steps = self.watch_steps();
        let running = steps
            .iter()
            .find(|s| s.status == crate::release::StepStatus::Running && self.lists(&s.id, gate));
        if let Some(s) = running {
            return Some(s.id.clone());
        }
        if let Some(step) = self.series.gates.get(gate).and_then(|g| g.last_step()) {
            return Some(step.to_owned());
        }
        steps
            .iter()
            .find(|s| self.lists(&s.id, gate))
            .map(|s| s.id.clone())
    }

    /// The latest measured trigger, else the first trigger of the running (or latest) watch.
    fn default_trigger(&self) -> Option<String> {
        if let Some(s) = self
            .watch_steps()
            .first()
            .filter(|s| s.status == crate::release::StepStatus::Running)
        {
            let measured = self.series.measured();
            let of_step = measured.iter().rev().find(|g| self.lists(&s.id, g));
            if let Some(g) = of_step {
                return Some((*g).to_owned());
            }
        }
        if let Some(g) = self.series.measured().last() {
            return Some((*g).to_owned());
        }
        self.watch_steps()
            .iter()
            .find_map(|s| self.series.watches.get(&s.id).and_then(|t| t.first()))
            .cloned()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::float_cmp)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_last_points_per_gate() {
        let mut s = Series::default();
        let t0 = DateTime::<Utc>::UNIX_EPOCH;
        for i in 0..(MAX_POINTS + 5) {
            let at = t0 + chrono::Duration::seconds(i64::try_from(i).unwrap());
            s.record("watch", "p99", "pass", &serde_json::json!(i), at);
        }
        let g = &s.gates["p99"];
        assert_eq!(g.points.len(), MAX_POINTS);
        assert_eq!(g.points.front().unwrap().1.value, Some(5.0));
        assert_eq!(g.last_step(), Some("watch"));
        s.record("soak", "p99", "warn", &serde_json::json!("x"), t0);
        assert_eq!(s.gates["p99"].of_step("soak", None).len(), 1);
        assert_eq!(s.gates["p99"].of_step("soak", None)[0].mark, Mark::Warn);
        assert_eq!(s.gates["p99"].of_step("soak", None)[0].value, None);
    }
}
