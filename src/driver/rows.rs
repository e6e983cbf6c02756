//! A gate measurement journaled by a step or a watch, as a row of the gates pane.

use chrono::{DateTime, Utc};

use crate::model::gates::{GateRow, GateState};
use crate::release::Event;
use crate::runbook::Runbook;

/// The row for a `gate-result` record; `None` for any other record.
pub fn gate_row(ev: &Event, rb: &Runbook, at: DateTime<Utc>) -> Option<GateRow> {
    let Event::GateResult {
        gate,
        state,
        value,
        message,
        expected,
        ..
    } = ev
    else {
        return None;
    };
    let state = match state.as_str() {
        "pass" => GateState::Pass,
        "fail" => GateState::Fail,
        "warn" => GateState::Warn,
        _ => GateState::Error,
    };
    let def = rb.gate(gate).map(|g| &g.kind);
    Some(GateRow {
        id: gate.clone(),
        kind: def
            .map(crate::runbook::GateKind::gate_type)
            .unwrap_or_default(),
        state,
        value: GateRow::value_text(def, value),
        message: message.clone(),
        expected: expected.clone(),
        at: Some(at),
    })
}
