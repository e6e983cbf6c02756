//! Building the cockpit's `App` for a release, and saving a log source to a file.

use std::collections::BTreeMap;
use std::io::Write;

use chrono::{DateTime, Utc};

use crate::exec::resolve::Resolved;
use crate::logs::Masker;
use crate::release::ReleaseState;
use crate::runbook::{RollbackTarget, StepKind, template};
use crate::ui::app::App;
use crate::ui::keymap::Keymap;
use crate::ui::model::{GateRow, Header};
use crate::watch::revisions_task::Plan;

/// The header for a release.
pub fn header(r: &Resolved, st: &ReleaseState) -> Header {
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
        operator: r.ctx.operator.clone(),
        window_deadline,
        observing: None,
        warning: None,
    }
}

/// Build the App for a release.
pub fn app_for(r: &Resolved, masker: &Masker, st: ReleaseState, keymap: Keymap) -> App {
    let gates = r
        .runbook
        .gates
        .iter()
        .map(|g| GateRow {
            id: g.id.clone(),
            kind: g.kind.gate_type(),
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
            instructions.insert(s.id.clone(), masker.mask(&text).into_owned());
        }
    }
    let services = r
        .runbook
        .services
        .iter()
        .map(|s| (s.name.clone(), s.logs))
        .collect();
    let header = header(r, &st);
    let revisions = Plan::from_resolved(r).initial_model(r);
    let mut app = App::new(header, st, keymap)
        .with_gates(gates)
        .with_services(services)
        .with_instructions(instructions)
        .with_revisions(revisions)
        .with_rollback_pick(r.runbook.rollback.target == RollbackTarget::Pick)
        .with_triggers(thresholds(r), watches(r));
    // Live Docker state, from events (no polling), when the runbook has services.
    if !r.runbook.services.is_empty() {
        let hosts = crate::watch::docker::hosts_for(&r.runbook.dir, &r.runbook.docker_hosts);
        app = app.with_docker(
            crate::model::docker::DockerModel::new(&hosts),
            r.runbook.services.clone(),
        );
        app.deploy_targets = deploy_targets(r);
    }
    app
}

/// Each gate's threshold, for the trigger chart (`g`).
fn thresholds(r: &Resolved) -> BTreeMap<String, crate::model::threshold::Threshold> {
    r.runbook
        .gates
        .iter()
        .filter_map(|g| crate::model::threshold::of_gate(&g.kind).map(|t| (g.id.clone(), t)))
        .collect()
}

/// Each watch step's triggers (main and rollback steps).
fn watches(r: &Resolved) -> BTreeMap<String, Vec<String>> {
    r.runbook
        .steps
        .iter()
        .chain(r.runbook.rollback.steps.iter())
        .filter_map(|s| match &s.kind {
            StepKind::Watch { triggers, .. } => Some((s.id.clone(), triggers.clone())),
            _ => None,
        })
        .collect()
}

/// The image each `docker-deploy` step of the release deploys, for the services pane.
fn deploy_targets(r: &Resolved) -> Vec<(String, String)> {
    r.runbook
        .steps
        .iter()
        .filter_map(|s| match &s.kind {
            StepKind::DockerDeploy { service, image, .. } => Some((
                service.clone(),
                template::render(image, &r.ctx).unwrap_or_else(|_| image.src.clone()),
            )),
            _ => None,
        })
        .collect()
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
