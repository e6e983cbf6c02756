//! A step's `wait_for` (issue 24): the ids of earlier background watches that must have ended
//! before the step starts. Read with the step, refused in `[[rollback.steps]]`, and checked once
//! every entry of `[[steps]]` is known (an id may only name an earlier `watch` step with
//! `background = true`).

use super::cx::Cx;
use super::fields::Fields;
use super::steps::{Ids, List};
use super::value::Str;
use crate::runbook::diag;
use crate::runbook::schema::{Step, StepKind};

/// The fix every `wait_for` error ends with.
const FIX: &str = "list the id of an earlier `watch` step with `background = true`";

/// `wait_for` of the step being read (`f.what` names it); empty when absent or refused.
pub(crate) fn field(cx: &mut Cx, f: &mut Fields<'_, '_>, list: List) -> Vec<Str> {
    if !f.has("wait_for") {
        return Vec::new();
    }
    if list == List::Rollback {
        let span = f
            .get("wait_for")
            .map(toml::Spanned::span)
            .unwrap_or_default();
        let msg = format!(
            "{} cannot wait for background watches: the rollback stops every watch and runs its steps one by one; remove `wait_for`",
            f.what
        );
        cx.error(span, msg);
        return Vec::new();
    }
    let Some(ids) = f.strings(cx, "wait_for") else {
        return Vec::new();
    };
    if ids.is_empty() {
        let span = f
            .get("wait_for")
            .map(toml::Spanned::span)
            .unwrap_or_default();
        let msg = format!(
            "`wait_for` in {} is empty; {FIX}, or remove `wait_for`",
            f.what
        );
        cx.error(span, msg);
    }
    ids
}

/// Check the `wait_for` ids of `[[steps]]`: `waits` holds, per loaded step (its index in
/// `steps`), the ids as written. `seen` holds every id of `[[steps]]`, so an id whose step had
/// errors of its own (and did not load) is not reported twice.
pub(crate) fn check(cx: &mut Cx, steps: &[Step], waits: &[(usize, Vec<Str>)], seen: &Ids) {
    for (pos, ids) in waits {
        let me = &steps[*pos];
        let mut listed: Vec<&str> = Vec::new();
        for id in ids {
            let name = id.get_ref().as_str();
            if listed.contains(&name) {
                let msg = format!(
                    "wait_for of step `{}` lists `{name}` twice; list each watch once",
                    me.id
                );
                cx.error(id.span(), msg);
                continue;
            }
            listed.push(name);
            let detail = match steps.iter().position(|s| s.id == name) {
                Some(j) if j < *pos => match &steps[j].kind {
                    StepKind::Watch {
                        background: true, ..
                    } => continue,
                    StepKind::Watch { .. } => {
                        format!("`{name}` is a watch without `background = true`")
                    }
                    k => format!("`{name}` is a {} step", k.name()),
                },
                Some(j) if j == *pos => "it is this step".to_owned(),
                Some(_) => format!("`{name}` comes after it"),
                None if seen.contains_key(name) => continue,
                None => {
                    let earlier = background_before(steps, *pos);
                    let hint =
                        diag::hint(name, earlier.iter().copied(), "earlier background watches");
                    format!("no step of [[steps]] has that id{hint}")
                }
            };
            let msg = format!(
                "wait_for names `{name}`, which is not a background watch before step `{}` ({detail}); {FIX}",
                me.id
            );
            cx.error(id.span(), msg);
        }
    }
}

/// The ids of the background watches before `steps[pos]`.
fn background_before(steps: &[Step], pos: usize) -> Vec<&str> {
    steps[..pos]
        .iter()
        .filter(|s| {
            matches!(
                s.kind,
                StepKind::Watch {
                    background: true,
                    ..
                }
            )
        })
        .map(|s| s.id.as_str())
        .collect()
}
