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

#[cfg(test)]
mod tests {
    use std::path::Path;

    use crate::runbook::load::load_str;

    const HEAD: &str = r#"[release]
name = "svc"
environment = "staging"
version = "1.0.0"

[[gates]]
id = "health"
kind = "command"
run = "true"
"#;

    /// Load `HEAD` + `steps`; every diagnostic as `FILE:LINE:COL: message`.
    fn diags(steps: &str) -> Vec<String> {
        let src = format!("{HEAD}{steps}");
        match load_str(&src, Path::new("rb.toml")) {
            Ok(l) => l
                .warnings
                .iter()
                .map(|d| d.render("rb.toml", &src))
                .collect(),
            Err(d) => d.iter().map(|d| d.render("rb.toml", &src)).collect(),
        }
    }

    const SOAK: &str = r#"
[[steps]]
id = "soak"
kind = "watch"
duration = "3s"
triggers = ["health"]
background = true
"#;

    #[test]
    fn an_earlier_background_watch_is_accepted_and_kept() {
        let src = format!(
            "{HEAD}{SOAK}\n[[steps]]\nid = \"tag\"\nkind = \"run\"\nrun = \"true\"\nwait_for = [\"soak\"]\n"
        );
        let loaded = load_str(&src, Path::new("rb.toml")).expect("valid");
        assert_eq!(loaded.runbook.steps[1].wait_for, vec!["soak".to_owned()]);
        assert!(loaded.runbook.steps[0].wait_for.is_empty());
    }

    #[test]
    fn an_unknown_id_is_refused_at_its_place() {
        let d = diags(&format!(
            "{SOAK}\n[[steps]]\nid = \"tag\"\nkind = \"run\"\nrun = \"true\"\nwait_for = [\"sok\"]\n"
        ));
        assert_eq!(
            d,
            vec![
                "rb.toml:22:13: wait_for names `sok`, which is not a background watch before step `tag` (no step of [[steps]] has that id; did you mean `soak`?); list the id of an earlier `watch` step with `background = true`"
            ]
        );
    }

    #[test]
    fn a_watch_without_background_is_refused() {
        let d = diags(
            "\n[[steps]]\nid = \"soak\"\nkind = \"watch\"\nduration = \"3s\"\ntriggers = [\"health\"]\n\n[[steps]]\nid = \"tag\"\nkind = \"run\"\nrun = \"true\"\nwait_for = [\"soak\"]\n",
        );
        assert_eq!(
            d,
            vec![
                "rb.toml:21:13: wait_for names `soak`, which is not a background watch before step `tag` (`soak` is a watch without `background = true`); list the id of an earlier `watch` step with `background = true`"
            ]
        );
    }

    #[test]
    fn a_step_of_another_kind_is_refused() {
        let d = diags(
            "\n[[steps]]\nid = \"qa\"\nkind = \"manual\"\n\n[[steps]]\nid = \"tag\"\nkind = \"run\"\nrun = \"true\"\nwait_for = [\"qa\"]\n",
        );
        assert_eq!(
            d,
            vec![
                "rb.toml:19:13: wait_for names `qa`, which is not a background watch before step `tag` (`qa` is a manual step); list the id of an earlier `watch` step with `background = true`"
            ]
        );
    }

    #[test]
    fn a_later_watch_and_the_step_itself_are_refused() {
        let d = diags(&format!(
            "\n[[steps]]\nid = \"tag\"\nkind = \"run\"\nrun = \"true\"\nwait_for = [\"tag\", \"soak\"]\n{SOAK}"
        ));
        assert_eq!(
            d,
            vec![
                "rb.toml:15:13: wait_for names `tag`, which is not a background watch before step `tag` (it is this step); list the id of an earlier `watch` step with `background = true`",
                "rb.toml:15:20: wait_for names `soak`, which is not a background watch before step `tag` (`soak` comes after it); list the id of an earlier `watch` step with `background = true`",
            ]
        );
    }

    #[test]
    fn rollback_steps_cannot_wait() {
        let d = diags(&format!(
            "{SOAK}\n[[rollback.steps]]\nid = \"undo\"\nkind = \"run\"\nrun = \"true\"\nwait_for = [\"soak\"]\n"
        ));
        assert_eq!(
            d,
            vec![
                "rb.toml:22:12: rollback step `undo` cannot wait for background watches: the rollback stops every watch and runs its steps one by one; remove `wait_for`"
            ]
        );
    }

    #[test]
    fn an_empty_list_a_repeat_and_a_wrong_type_are_refused() {
        let d = diags(&format!(
            "{SOAK}\n[[steps]]\nid = \"a\"\nkind = \"run\"\nrun = \"true\"\nwait_for = []\n\n[[steps]]\nid = \"b\"\nkind = \"run\"\nrun = \"true\"\nwait_for = [\"soak\", \"soak\"]\n\n[[steps]]\nid = \"c\"\nkind = \"run\"\nrun = \"true\"\nwait_for = \"soak\"\n"
        ));
        assert_eq!(
            d,
            vec![
                "rb.toml:22:12: `wait_for` in step `a` is empty; list the id of an earlier `watch` step with `background = true`, or remove `wait_for`",
                "rb.toml:28:21: wait_for of step `b` lists `soak` twice; list each watch once",
                "rb.toml:34:12: expected an array of strings for `wait_for` in step `c`, found string \"soak\"",
            ]
        );
    }
}
