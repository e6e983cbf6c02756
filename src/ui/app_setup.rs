//! Setting an `App` up before the loop starts: the gates, triggers, Docker state, services,
//! instructions and demo guide it shows (builders), and the baselines as they are taken.

use std::collections::BTreeMap;

use super::App;
use super::GateRow;

impl App {
    /// The gates to show before their first measurement.
    #[must_use]
    pub fn with_gates(mut self, gates: Vec<GateRow>) -> App {
        self.gates = gates;
        self
    }

    /// Each trigger's threshold, and each watch step's triggers, for the chart (`g`).
    #[must_use]
    pub fn with_triggers(
        mut self,
        thresholds: BTreeMap<String, crate::model::threshold::Threshold>,
        watches: BTreeMap<String, Vec<String>>,
    ) -> App {
        self.series.thresholds = thresholds;
        self.series.watches = watches;
        self
    }

    /// A trigger's baseline (its `baseline` record's `value`), for the chart.
    pub fn set_baseline(&mut self, gate: &str, value: Option<f64>) {
        self.series.set_baseline(gate, value);
        self.dirty = true;
    }

    /// Show live Docker state for these services in the services pane.
    #[must_use]
    pub fn with_docker(
        mut self,
        model: crate::model::docker::DockerModel,
        services: Vec<crate::runbook::Service>,
    ) -> App {
        self.docker = Some((model, services));
        self
    }

    /// The live Docker state, when the runbook has services.
    pub fn docker(&self) -> Option<&crate::model::docker::DockerModel> {
        self.docker.as_ref().map(|(m, _)| m)
    }

    /// The services: `(name, logs)`; those with `logs` become log sources.
    #[must_use]
    pub fn with_services(mut self, services: Vec<(String, bool)>) -> App {
        for (name, logs) in &services {
            if *logs {
                self.logs.add_service(name);
                self.logs.add_merged(name);
            }
        }
        self.services = services.into_iter().map(|(n, _)| n).collect();
        self
    }

    /// Manual steps' instructions, by step id, shown in the evidence prompt.
    #[must_use]
    pub fn with_instructions(mut self, instructions: BTreeMap<String, String>) -> App {
        self.instructions = instructions;
        self
    }

    /// The demo's guide line under the header.
    #[must_use]
    pub fn with_demo_guide(mut self, guide: Option<String>) -> App {
        self.demo_guide = guide;
        self
    }
}
