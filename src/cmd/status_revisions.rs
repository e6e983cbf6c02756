//! The revision sources in `flightdeck status`: read once, as `revisions.sources` in `--json`
//! and as one line each in the table.

use serde_json::{Value, json};

use crate::exec::resolve::Resolved;
use crate::model::revisions::{RevisionsModel, SourceData, SourceState};
use crate::watch::revisions_task::{self, Plan};

/// Read every `[[revisions]]` source once (git is already read by `resolve`).
pub async fn read(r: &Resolved) -> RevisionsModel {
    let mut plan = Plan::from_resolved(r);
    let initial = plan.initial_model(r);
    plan.git = None;
    revisions_task::collect(&plan, initial).await
}

/// One source as JSON: `{"name", "rows": [{"id", "status", "at", "description"?}]}`,
/// `{"name", "version", "sha", "matches"}` for a version endpoint, or `{"name", "error"}`.
pub fn source_json(s: &SourceState, release_version: &str) -> Value {
    match &s.data {
        SourceData::Rows(rows) => {
            let rows: Vec<Value> = rows
                .iter()
                .map(|r| {
                    let mut v = json!({
                        "id": r.id,
                        "status": r.status,
                        "at": r.at.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
                    });
                    if let (Some(d), Some(o)) = (&r.description, v.as_object_mut()) {
                        o.insert("description".into(), json!(d));
                    }
                    v
                })
                .collect();
            json!({"name": s.name, "rows": rows})
        }
        SourceData::Live(v) => json!({
            "name": s.name,
            "version": v.version,
            "sha": v.sha,
            "matches": v.matches(release_version),
        }),
        SourceData::Error(e) => json!({"name": s.name, "error": e}),
        SourceData::Pending => json!({"name": s.name, "error": "not read"}),
    }
}

/// One source as a line of the table.
pub fn source_line(s: &SourceState, release_version: &str) -> String {
    match &s.data {
        SourceData::Rows(rows) if rows.is_empty() => format!("{}: no revisions", s.name),
        SourceData::Rows(rows) => {
            let shown: Vec<String> = rows
                .iter()
                .take(3)
                .map(|r| match &r.status {
                    Some(st) => format!("{} {st}", r.id),
                    None => r.id.clone(),
                })
                .collect();
            let more = rows.len().saturating_sub(3);
            let more = if more > 0 {
                format!(" · … {more} more")
            } else {
                String::new()
            };
            format!("{}: {}{more}", s.name, shown.join(" · "))
        }
        SourceData::Live(v) => {
            let sha = v
                .sha
                .as_ref()
                .map(|s| format!(" · sha {s}"))
                .unwrap_or_default();
            if v.matches(release_version) {
                format!("{}: ✔ {} matches{sha}", s.name, v.version)
            } else {
                format!(
                    "{}: ✖ {} ≠ release {release_version}{sha}",
                    s.name, v.version
                )
            }
        }
        SourceData::Error(e) => format!("{}: ✖ {e}", s.name),
        SourceData::Pending => format!("{}: not read", s.name),
    }
}
