//! Building the cockpit's `App` for a release, and small helpers of the loop: gate rows from
//! journaled measurements, saving a log source to a file.

use std::collections::BTreeMap;
use std::io::Write;

use chrono::{DateTime, Utc};

use crate::exec::runtime::Runtime;
use crate::release::{Event, Msg, ReleaseState};
use crate::runbook::{RollbackTarget, StepKind, template};
use crate::ui::app::{App, AppMsg};
use crate::ui::keymap::Keymap;
use crate::ui::model::{GateRow, Header};
use crate::watch::revisions_task::Plan;

/// The header for a release.
pub fn header(rt: &Runtime, st: &ReleaseState) -> Header {
    let r = &rt.resolved;
    let window_deadline = r.runbook.release.window.map(|w| {
        let start = st.started_at.unwrap_or_else(Utc::now);
        crate::runbook::duration::saturating_add(start, w)
    });
    Header {
        name: r.runbook.release.name.clone(),
        environment: r.env_name.clone(),
        protected: r.protected,
        version: r.ctx.version.clone(),
        previous: r.ctx.previous.clone(),
        lkg: r.ctx.lkg.clone(),
        operator: rt.operator.clone(),
        window_deadline,
        observing: None,
        warning: None,
    }
}

/// Build the App for a release.
pub fn app_for(rt: &Runtime, st: ReleaseState, keymap: Keymap) -> App {
    let r = &rt.resolved;
    let gates = r
        .runbook
        .gates
        .iter()
        .map(|g| GateRow {
            id: g.id.clone(),
            kind: g.kind.name().to_owned(),
            ..GateRow::default()
        })
        .collect();
    let mut instructions = BTreeMap::new();
    for s in &r.runbook.steps {
        if let StepKind::Manual {
            instructions: Some(t),
            ..
        } = &s.kind
            && let Ok(text) = template::render(t, &r.ctx)
        {
            instructions.insert(s.id.clone(), rt.masker.mask(&text).into_owned());
        }
    }
    let services = r
        .runbook
        .services
        .iter()
        .map(|s| (s.name.clone(), s.logs))
        .collect();
    let header = header(rt, &st);
    let revisions = Plan::from_resolved(r).initial_model(r);
    App::new(header, st, keymap)
        .with_gates(gates)
        .with_services(services)
        .with_instructions(instructions)
        .with_revisions(revisions)
        .with_rollback_pick(r.runbook.rollback.target == RollbackTarget::Pick)
}

/// A gate measurement journaled by a step, as a row of the gates pane.
pub(super) fn gate_row(
    msg: &AppMsg,
    rb: &crate::runbook::Runbook,
    now: DateTime<Utc>,
) -> Option<GateRow> {
    let AppMsg::Release(Msg::Record(Event::GateResult {
        gate,
        state,
        value,
        message,
        ..
    })) = msg
    else {
        return None;
    };
    let state = match state.as_str() {
        "pass" => crate::ui::model::GateState::Pass,
        "fail" => crate::ui::model::GateState::Fail,
        _ => crate::ui::model::GateState::Error,
    };
    let def = rb.gate(gate).map(|g| &g.kind);
    let value = GateRow::value_text(def, value);
    Some(GateRow {
        id: gate.clone(),
        kind: def.map(|k| k.name().to_owned()).unwrap_or_default(),
        state,
        value,
        message: message.clone(),
        at: Some(now),
    })
}

/// Write the (already masked) lines of a log source to `./flightdeck-<source>-<time>.log`.
pub(super) fn save_log(app: &App, source: &str, now: DateTime<Utc>) -> std::io::Result<String> {
    let lines = app.log_lines(source).unwrap_or_default();
    let safe: String = source
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let path = format!("flightdeck-{safe}-{}.log", now.format("%Y%m%dT%H%M%SZ"));
    let mut f = std::fs::File::create(&path)?;
    for l in lines {
        writeln!(f, "{l}")?;
    }
    Ok(path)
}
