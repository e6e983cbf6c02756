//! `[[steps]]` and `[[rollback.steps]]`: the fields every step takes (id, kind, title,
//! timeout), unique ids, and dispatch on `kind` to the per-kind conversion in `step_kinds`.

use std::collections::BTreeMap;

use super::checks;
use super::cx::{Cx, Scope};
use super::fields::Fields;
use super::step_kinds;
use super::title::default_title;
use super::value::{Str, UnknownKind, Val, tables};
use super::wait_for;
use crate::runbook::schema::{STEP_KINDS, Span, Step, StepKind};

/// Which list a step belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum List {
    Steps,
    Rollback,
}

/// Step ids seen so far (steps and rollback steps share one namespace).
pub(crate) type Ids = BTreeMap<String, Span>;

pub(crate) fn steps(cx: &mut Cx, v: Option<&Val<'_>>, list: List, ids: &mut Ids) -> Vec<Step> {
    let mut out = Vec::new();
    let Some(v) = v else { return out };
    let name = match list {
        List::Steps => "steps",
        List::Rollback => "rollback.steps",
    };
    let mut waits = Vec::new();
    for (index, (table, span)) in tables(cx, v, name).into_iter().enumerate() {
        cx.scope = Some(match list {
            List::Steps => Scope::Step(index),
            List::Rollback => Scope::Rollback(index),
        });
        let mut wait = Vec::new();
        if let Some(step) = step(
            cx,
            Fields::new(table, span, ""),
            index,
            list,
            ids,
            &mut wait,
        ) {
            waits.push((out.len(), wait));
            out.push(step);
        }
    }
    cx.scope = None;
    wait_for::check(cx, &out, &waits, ids);
    out
}

fn step(
    cx: &mut Cx,
    mut f: Fields<'_, '_>,
    index: usize,
    list: List,
    ids: &mut Ids,
    wait: &mut Vec<Str>,
) -> Option<Step> {
    let label = match list {
        List::Steps => "step",
        List::Rollback => "rollback step",
    };
    f.what = format!("{label} {}", index + 1);
    let id = match list {
        List::Steps => f.req_string(cx, "id", "a step id, e.g. \"deploy\""),
        List::Rollback => f.string(cx, "id"),
    };
    let defaulted = id.is_none() && list == List::Rollback && !f.has("id");
    let id_ok = id.as_ref().is_some_and(|id| register(cx, id, ids));
    if let Some(id) = &id {
        f.what = format!("{label} `{}`", id.get_ref());
    } else if defaulted {
        f.what = format!("{label} `rollback-{}`", index + 1);
    }
    let kind = f.req_string(cx, "kind", &format!("one of: {}", STEP_KINDS.join(", ")));
    let title = f.string(cx, "title").map(toml::Spanned::into_inner);
    let timeout = f.dur(cx, "timeout");
    *wait = wait_for::field(cx, &mut f, list);
    let kind_name = kind?;
    let (step_kind, approval) = if kind_name.get_ref() == "approval" {
        let (k, p) = super::trust::approval(cx, &mut f);
        (Some(k), Some(p))
    } else {
        (dispatch(cx, &mut f, &kind_name, index, list).ok()?, None)
    };
    f.finish(cx);
    let step_kind = step_kind?;
    if list == List::Rollback
        && matches!(
            step_kind,
            StepKind::Watch {
                background: true,
                ..
            }
        )
    {
        let msg = format!(
            "{} is a background watch; the rollback runs its steps one by one: remove `background`",
            f_what(label, id.as_ref(), index)
        );
        cx.error(kind_name.span(), msg);
        return None;
    }
    let (id, span) = match id {
        Some(id) if id_ok => (id.get_ref().clone(), id.span()),
        None if defaulted => {
            let id = format!("rollback-{}", index + 1);
            if let Some(first) = ids.get(&id) {
                let line = cx.line(first);
                let msg = format!(
                    "this rollback step's default id `{id}` is already used on line {line}; give it an `id`"
                );
                cx.error(kind_name.span(), msg);
                return None;
            }
            ids.insert(id.clone(), kind_name.span());
            (id, kind_name.span())
        }
        _ => return None,
    };
    let title = title.unwrap_or_else(|| default_title(&step_kind));
    Some(Step {
        id,
        title,
        timeout,
        kind: step_kind,
        span,
        approval,
        wait_for: wait.iter().map(|w| w.get_ref().clone()).collect(),
    })
}

/// A step as messages name it: `rollback step 2`, or with its id in backticks.
fn f_what(label: &str, id: Option<&Str>, index: usize) -> String {
    match id {
        Some(id) => format!("{label} `{}`", id.get_ref()),
        None => format!("{label} {}", index + 1),
    }
}

fn register(cx: &mut Cx, id: &Str, ids: &mut Ids) -> bool {
    if !checks::id(cx, id, "step") {
        return false;
    }
    if let Some(first) = ids.get(id.get_ref()) {
        let line = cx.line(first);
        cx.error(
            id.span(),
            format!(
                "duplicate step id `{}` (first defined on line {line})",
                id.get_ref()
            ),
        );
        return false;
    }
    ids.insert(id.get_ref().clone(), id.span());
    true
}

/// `Err`: unknown kind (reported). `Ok(None)`: a field was wrong (reported).
fn dispatch(
    cx: &mut Cx,
    f: &mut Fields<'_, '_>,
    kind: &Str,
    index: usize,
    list: List,
) -> Result<Option<StepKind>, UnknownKind> {
    Ok(match kind.get_ref().as_str() {
        "manual" => Some(step_kinds::manual(cx, f)),
        "gates" => step_kinds::gates(cx, f),
        "run" => step_kinds::run(cx, f, index, list == List::Rollback),
        "git-tag" => step_kinds::git_tag(cx, f),
        "docker-deploy" => step_kinds::docker_deploy(cx, f),
        "docker-rollback" => step_kinds::docker_rollback(cx, f),
        "watch" => step_kinds::watch(cx, f),
        "notify" => step_kinds::notify(cx, f),
        other => {
            let msg = format!(
                "unknown step kind `{other}`; valid kinds: {}",
                STEP_KINDS.join(", ")
            );
            cx.error(kind.span(), msg);
            return Err(UnknownKind);
        }
    })
}
