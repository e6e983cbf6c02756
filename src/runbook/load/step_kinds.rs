//! The fields of each step kind (DESIGN.md §3.1, "Steps"), one function per kind.

use std::time::Duration;

use super::checks;
use super::cx::{CaptureDef, Cx, NameRef};
use super::fields::Fields;
use super::value::Str;
use crate::runbook::schema::{Capture, DeployOrder, Dur, Evidence, Retry, StepKind};

const REQUIRED_OPTIONAL: &[&str] = &["required", "optional"];

fn word(
    cx: &mut Cx,
    f: &mut Fields<'_, '_>,
    key: &'static str,
    words: &[&'static str],
) -> Option<&'static str> {
    let s = f.string(cx, key)?;
    checks::one_of(cx, &s, key, &f.what, words)
}

pub(crate) fn manual(cx: &mut Cx, f: &mut Fields<'_, '_>) -> StepKind {
    let instructions = f.tpl(cx, "instructions");
    let evidence = match word(cx, f, "evidence", REQUIRED_OPTIONAL) {
        Some("required") => Evidence::Required,
        _ => Evidence::Optional,
    };
    StepKind::Manual {
        instructions,
        evidence,
    }
}

/// A required, non-empty list of gate ids, each checked once all gates are known.
fn gate_list(cx: &mut Cx, f: &mut Fields<'_, '_>, key: &'static str) -> Option<Vec<String>> {
    if !f.has(key) {
        f.get(key);
        f.missing(cx, key, "a list of gate ids, e.g. [\"health\"]");
        return None;
    }
    let list = f.strings(cx, key)?;
    if list.is_empty() {
        let span = f.get(key).map(toml::Spanned::span).unwrap_or_default();
        cx.error(
            span,
            format!(
                "`{key}` in {} is empty; expected at least one gate id",
                f.what
            ),
        );
        return None;
    }
    for g in &list {
        cx.gate_refs.push(NameRef {
            name: g.get_ref().clone(),
            span: g.span(),
        });
    }
    Some(list.into_iter().map(toml::Spanned::into_inner).collect())
}

pub(crate) fn gates(cx: &mut Cx, f: &mut Fields<'_, '_>) -> Option<StepKind> {
    let gates = gate_list(cx, f, "gates");
    let retry = match f.table(cx, "retry") {
        Some(mut t) => {
            let attempts = t.uint::<u32>(cx, "attempts");
            if let Some(v) = t.get("attempts").filter(|_| attempts == Some(0)) {
                let msg = format!("`attempts` in {} must be at least 1", t.what);
                cx.error(v.span(), msg);
            }
            if !t.has("attempts") {
                t.missing(cx, "attempts", "the number of attempts, e.g. 3");
            }
            let delay = t
                .dur(cx, "delay")
                .unwrap_or(Dur::Fixed(Duration::from_secs(5)));
            t.finish(cx);
            Some(
                attempts
                    .filter(|a| *a > 0)
                    .map(|attempts| Retry { attempts, delay }),
            )
        }
        None => None,
    };
    Some(StepKind::Gates {
        gates: gates?,
        retry: retry.unwrap_or(None),
    })
}

pub(crate) fn run(
    cx: &mut Cx,
    f: &mut Fields<'_, '_>,
    index: usize,
    rollback: bool,
) -> Option<StepKind> {
    if !f.has("run") {
        f.get("run");
        f.missing(cx, "run", "a shell command");
    }
    let run = f.shell_tpl(cx, "run");
    let env = f.env_map(cx, "env");
    let workdir = f.tpl(cx, "workdir");
    let mut capture = Vec::new();
    if let Some(t) = f.table(cx, "capture") {
        for (name, v) in t.entries() {
            if let Some(c) = one_capture(cx, &t.what, &name, v) {
                cx.captures.push(CaptureDef {
                    name: c.name.clone(),
                    step: index,
                    rollback,
                    step_what: f.what.clone(),
                });
                capture.push(c);
            }
        }
    }
    Some(StepKind::Run {
        run: run?,
        env,
        workdir,
        capture,
    })
}

fn one_capture(cx: &mut Cx, what: &str, name: &Str, v: &super::value::Val<'_>) -> Option<Capture> {
    let ident = checks::is_env_name(name.get_ref());
    if !ident {
        let msg = format!(
            "invalid capture name `{}` in {what}; templates reach it as `captures.NAME`, so use letters, digits and `_`",
            name.get_ref()
        );
        cx.error(name.span(), msg);
    }
    let Some(src) = v.get_ref().as_str() else {
        let found = super::value::found(v.get_ref());
        cx.error(
            v.span(),
            format!(
                "expected a regex with one group for capture `{}` in {what}, found {found}",
                name.get_ref()
            ),
        );
        return None;
    };
    let pattern = toml::Spanned::new(v.span(), src.to_string());
    let regex = checks::regex(
        cx,
        &pattern,
        &format!("capture `{}` in {what}", name.get_ref()),
    )?;
    let groups = regex.captures_len() - 1;
    if groups != 1 {
        let msg = format!(
            "the regex of capture `{}` in {what} has {groups} groups; expected exactly one group `(…)` around the value",
            name.get_ref()
        );
        cx.error(v.span(), msg);
        return None;
    }
    ident.then(|| Capture {
        name: name.get_ref().clone(),
        regex,
    })
}

pub(crate) fn git_tag(cx: &mut Cx, f: &mut Fields<'_, '_>) -> Option<StepKind> {
    let tag = f.req_tpl(cx, "tag", "the tag to create, e.g. \"v{{ version }}\"");
    let message = f.tpl(cx, "message");
    let push = f.bool(cx, "push").unwrap_or(false);
    let remote = f
        .string(cx, "remote")
        .map_or_else(|| "origin".into(), toml::Spanned::into_inner);
    let allow_dirty = f.bool(cx, "allow_dirty").unwrap_or(false);
    Some(StepKind::GitTag {
        tag: tag?,
        message,
        push,
        remote,
        allow_dirty,
    })
}

fn service(cx: &mut Cx, f: &mut Fields<'_, '_>) -> Option<String> {
    let s = f.req_string(cx, "service", "the name of a [[services]] entry")?;
    cx.service_refs.push(NameRef {
        name: s.get_ref().clone(),
        span: s.span(),
    });
    Some(s.into_inner())
}

pub(crate) fn docker_deploy(cx: &mut Cx, f: &mut Fields<'_, '_>) -> Option<StepKind> {
    let service = service(cx, f);
    let image = f.req_tpl(
        cx,
        "image",
        "the image to deploy, e.g. \"acme/backend:{{ version }}\"",
    );
    let wait_healthy = f
        .dur(cx, "wait_healthy")
        .unwrap_or(Dur::Fixed(Duration::from_secs(60)));
    let health_url = f.tpl(cx, "health_url");
    if let Some(u) = &health_url {
        checks::url(cx, u, "health_url", &f.what, checks::HTTP);
    }
    let order = match word(cx, f, "order", &["stop-first", "start-first"]) {
        Some("start-first") => DeployOrder::StartFirst,
        _ => DeployOrder::StopFirst,
    };
    let retain = f.uint(cx, "retain").unwrap_or(3);
    let pull = f.bool(cx, "pull").unwrap_or(false);
    Some(StepKind::DockerDeploy {
        service: service?,
        image: image?,
        wait_healthy,
        health_url,
        order,
        retain,
        pull,
    })
}

pub(crate) fn docker_rollback(cx: &mut Cx, f: &mut Fields<'_, '_>) -> Option<StepKind> {
    Some(StepKind::DockerRollback {
        service: service(cx, f)?,
    })
}

pub(crate) fn watch(cx: &mut Cx, f: &mut Fields<'_, '_>) -> Option<StepKind> {
    if !f.has("duration") {
        f.get("duration");
        f.missing(cx, "duration", "how long to watch, e.g. \"15m\"");
    }
    let duration = f.dur(cx, "duration");
    let triggers = gate_list(cx, f, "triggers");
    let background = f.bool(cx, "background").unwrap_or(false);
    Some(StepKind::Watch {
        duration: duration?,
        triggers: triggers?,
        background,
    })
}

pub(crate) fn notify(cx: &mut Cx, f: &mut Fields<'_, '_>) -> Option<StepKind> {
    let url = f.req_tpl(cx, "url", "the webhook URL");
    if let Some(u) = &url {
        checks::url(cx, u, "url", &f.what, checks::HTTP);
    }
    let message = f.req_tpl(cx, "message", "the message text (a template)");
    let headers = f.tpl_map(cx, "headers");
    let allow_insecure = f.bool(cx, "allow_insecure").unwrap_or(false);
    Some(StepKind::Notify {
        url: url?,
        message: message?,
        headers,
        allow_insecure,
    })
}
