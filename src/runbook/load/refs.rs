//! Cross-reference checks run once the whole file is read: gate ids in `gates` steps and
//! triggers, service names, `basic_auth.password_env` against `[secrets]`, and auto rollback
//! in a protected environment.

use std::collections::BTreeMap;

use super::cx::{Cx, NameRef};
use crate::runbook::schema::{Environment, Span};

pub(crate) fn check_names(cx: &mut Cx, secrets: &[String]) {
    let gates = in_source_order(&cx.gate_ids);
    let gate_refs = std::mem::take(&mut cx.gate_refs);
    unknown(
        cx,
        &gate_refs,
        &gates,
        "gate",
        "defined gates",
        "no [[gates]] are defined",
    );
    let services = in_source_order(&cx.service_names);
    let service_refs = std::mem::take(&mut cx.service_refs);
    unknown(
        cx,
        &service_refs,
        &services,
        "service",
        "defined services",
        "no [[services]] are defined",
    );
    for p in std::mem::take(&mut cx.password_envs) {
        if !secrets.contains(&p.name) {
            let msg = format!(
                "`password_env = \"{}\"` is not listed in [secrets] env, so its value would not be masked; add it there",
                p.name
            );
            cx.warning(p.span, msg);
        }
    }
}

fn in_source_order(names: &BTreeMap<String, Span>) -> Vec<String> {
    let mut v: Vec<(&String, &Span)> = names.iter().collect();
    v.sort_by_key(|(_, span)| span.start);
    v.into_iter().map(|(n, _)| n.clone()).collect()
}

fn unknown(cx: &mut Cx, refs: &[NameRef], defined: &[String], what: &str, label: &str, none: &str) {
    for r in refs {
        if defined.contains(&r.name) {
            continue;
        }
        let hint = if defined.is_empty() {
            none.to_string()
        } else {
            format!("{label}: {}", defined.join(", "))
        };
        cx.error(
            r.span.clone(),
            format!("unknown {what} `{}`; {hint}", r.name),
        );
    }
}

/// `rollback.auto = true` is never allowed when the release's environment is protected (the
/// same rule as [`crate::runbook::Runbook::is_protected`], usable before the runbook exists).
pub(crate) fn check_auto_rollback(
    cx: &mut Cx,
    environment: Option<&str>,
    protected: &[String],
    environments: &BTreeMap<String, Environment>,
) {
    let (Some(span), Some(env)) = (cx.auto_rollback.clone(), environment) else {
        return;
    };
    let is_protected = environments
        .get(env)
        .and_then(|e| e.protected)
        .unwrap_or_else(|| protected.iter().any(|p| p.eq_ignore_ascii_case(env)));
    if is_protected {
        let msg = format!(
            "auto rollback is never allowed in a protected environment (`{env}` is protected); set `auto = false`, or add an [environments.staging] and run with `--env staging`"
        );
        cx.error(span, msg);
    }
}

/// Every `baseline.before` names a step of `[[steps]]`.
pub(crate) fn check_baselines(
    cx: &mut Cx,
    _gates: &[crate::runbook::schema::Gate],
    steps: &[crate::runbook::schema::Step],
) {
    let ids: Vec<String> = steps.iter().map(|s| s.id.clone()).collect();
    for r in std::mem::take(&mut cx.baseline_befores) {
        if ids.contains(&r.name) {
            continue;
        }
        let h = crate::runbook::diag::hint(&r.name, ids.iter().map(String::as_str), "steps");
        let h = if ids.is_empty() {
            "; no [[steps]] are defined".into()
        } else {
            h
        };
        cx.error(
            r.span,
            format!("`before = \"{}\"` in `baseline` names no step{h}", r.name),
        );
    }
}
