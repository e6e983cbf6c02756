//! `[[gates]]`: the fields every gate takes (id, kind, interval, timeout, trigger fields), and
//! dispatch on `kind` to the per-kind conversion in `gate_kinds`.

use std::time::Duration;

use super::checks;
use super::cx::{Cx, NameRef, Scope};
use super::fields::Fields;
use super::gate_kinds;
use super::value::{Str, UnknownKind, Val, tables};
use crate::runbook::schema::{Baseline, Dur, GATE_KINDS, Gate, GateKind, Span, TriggerSpec};

pub(crate) fn gates(cx: &mut Cx, v: Option<&Val<'_>>) -> Vec<Gate> {
    let mut out = Vec::new();
    let Some(v) = v else { return out };
    cx.scope = Some(Scope::Shared);
    for (table, span) in tables(cx, v, "gates") {
        let mut f = Fields::new(table, span, "[[gates]] entry");
        // Conditions that read `baseline`, from here to `refuse_baseline_uses`.
        cx.baseline_uses.clear();
        let id = f.req_string(cx, "id", "a gate id, e.g. \"health\"");
        if let Some(id) = &id {
            f.what = format!("gate `{}`", id.get_ref());
        }
        let id = id.filter(|id| register(cx, id));
        let kind = f.req_string(cx, "kind", &format!("one of: {}", GATE_KINDS.join(", ")));
        let interval = f
            .dur(cx, "interval")
            .unwrap_or(Dur::Fixed(Duration::from_secs(30)));
        let timeout = f
            .dur(cx, "timeout")
            .unwrap_or(Dur::Fixed(Duration::from_secs(5)));
        let trigger = trigger(cx, &mut f);
        let baseline = baseline(cx, &mut f);
        // Without a kind, its fields cannot be told from unknown ones: report nothing more.
        let Some(kind) = kind else { continue };
        let Ok(gate_kind) = dispatch(cx, &mut f, &kind) else {
            continue;
        };
        f.finish(cx);
        refuse_baseline_uses(cx, &f_what(id.as_ref()), baseline.is_some());
        if let (Some(id), Some(kind)) = (id, gate_kind) {
            out.push(Gate {
                span: id.span(),
                id: id.into_inner(),
                kind,
                interval,
                timeout,
                trigger,
                baseline: baseline.map(|(b, _)| b),
            });
        }
    }
    cx.scope = None;
    out
}

/// A valid, unique gate id is recorded so that references to it resolve.
fn register(cx: &mut Cx, id: &Str) -> bool {
    if !checks::id(cx, id, "gate") {
        return false;
    }
    if let Some(first) = cx.gate_ids.get(id.get_ref()) {
        let line = cx.line(first);
        cx.error(
            id.span(),
            format!(
                "duplicate gate id `{}` (first defined on line {line})",
                id.get_ref()
            ),
        );
        return false;
    }
    cx.gate_ids.insert(id.get_ref().clone(), id.span());
    true
}

fn f_what(id: Option<&Str>) -> String {
    id.map_or_else(
        || "this gate".into(),
        |id| format!("gate `{}`", id.get_ref()),
    )
}

/// `baseline = { before = "STEP", samples = N }`; the step is checked once steps are read.
fn baseline(cx: &mut Cx, f: &mut Fields<'_, '_>) -> Option<(Baseline, Span)> {
    let mut b = f.table(cx, "baseline")?;
    let span = b.table_span();
    let before = b.req_string(
        cx,
        "before",
        "the id of the step the baseline is taken before, e.g. \"deploy\"",
    );
    let samples = b.uint::<u32>(cx, "samples").unwrap_or(3);
    if samples == 0 || samples > 100 {
        let at = b.get("samples").map_or(span.clone(), toml::Spanned::span);
        cx.error(
            at,
            format!(
                "`samples` in {} is {samples}; expected 1 to 100, e.g. 3",
                b.what
            ),
        );
    }
    b.finish(cx);
    let before = before?;
    cx.baseline_befores.push(NameRef {
        name: before.get_ref().clone(),
        span: before.span(),
    });
    Some((
        Baseline {
            before: before.into_inner(),
            samples: samples.clamp(1, 100),
        },
        span,
    ))
}

/// A condition that reads `baseline` in a gate without a `baseline` field.
fn refuse_baseline_uses(cx: &mut Cx, what: &str, has_baseline: bool) {
    let uses = std::mem::take(&mut cx.baseline_uses);
    if has_baseline {
        return;
    }
    for span in uses {
        cx.error(
            span,
            format!(
                "this condition reads `baseline`, but {what} has no `baseline` field; add `baseline = {{ before = \"STEP\", samples = 3 }}` to the gate, or compare `result` with a number"
            ),
        );
    }
}

fn trigger(cx: &mut Cx, f: &mut Fields<'_, '_>) -> TriggerSpec {
    let d = TriggerSpec::default();
    let what = f.what.clone();
    TriggerSpec {
        for_: f.dur(cx, "for"),
        failure_limit: f.uint(cx, "failure_limit").unwrap_or(d.failure_limit),
        consecutive_error_limit: f
            .uint(cx, "consecutive_error_limit")
            .unwrap_or(d.consecutive_error_limit),
        initial_delay: f.dur(cx, "initial_delay").unwrap_or(d.initial_delay),
        dry_run: f.bool(cx, "dry_run").unwrap_or(d.dry_run),
        warn: f
            .string(cx, "warn")
            .filter(|c| checks::condition(cx, c, "warn", &what))
            .map(toml::Spanned::into_inner),
    }
}

/// `Err`: the kind is unknown (reported; unknown fields are then not reported).
/// `Ok(None)`: the kind is known but a field was wrong (reported).
fn dispatch(
    cx: &mut Cx,
    f: &mut Fields<'_, '_>,
    kind: &Str,
) -> Result<Option<GateKind>, UnknownKind> {
    Ok(match kind.get_ref().as_str() {
        "http" => gate_kinds::http(cx, f),
        "tcp" => gate_kinds::tcp(cx, f),
        "env" => gate_kinds::env(cx, f),
        "file" => gate_kinds::file(cx, f),
        "tls" => gate_kinds::tls(cx, f),
        "command" => gate_kinds::command(cx, f),
        "prometheus" => gate_kinds::prometheus(cx, f),
        "git" => Some(gate_kinds::git(cx, f)),
        "docker" => gate_kinds::docker(cx, f),
        "release" => gate_kinds::release(cx, f),
        other => {
            let msg = format!(
                "unknown gate kind `{other}`; valid kinds: {}",
                GATE_KINDS.join(", ")
            );
            cx.error(kind.span(), msg);
            return Err(UnknownKind);
        }
    })
}
