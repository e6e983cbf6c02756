//! The fields of each gate kind (DESIGN.md §3.1, "Gates"), one function per kind.

use toml::de::DeValue;

use super::checks;
use super::cx::{Cx, NameRef};
use super::fields::Fields;
use super::value::{Invalid, found};
use crate::runbook::schema::{BasicAuth, GateKind, JsonCheck, Tpl};

const METHODS: &[&str] = &["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];

pub(crate) fn http(cx: &mut Cx, f: &mut Fields<'_, '_>) -> Option<GateKind> {
    let url = f.req_tpl(
        cx,
        "url",
        "the URL to check, e.g. \"http://127.0.0.1:8080/health\"",
    );
    if let Some(u) = &url {
        checks::url(cx, u, "url", &f.what, checks::HTTP);
    }
    let method = f.string(cx, "method").and_then(|m| {
        let upper = m.get_ref().to_ascii_uppercase();
        if METHODS.contains(&upper.as_str()) {
            return Some(upper);
        }
        cx.error(
            m.span(),
            format!(
                "unknown HTTP method \"{}\" in {}; expected one of: {}",
                m.get_ref(),
                f.what,
                METHODS.join(", ")
            ),
        );
        None
    });
    let headers = f.tpl_map(cx, "headers");
    let basic_auth = f.table(cx, "basic_auth").and_then(|mut t| {
        let user = t.req_string(cx, "user", "a user name");
        let password_env = t.req_string(
            cx,
            "password_env",
            "the name of the environment variable holding the password",
        );
        let what = t.what.clone();
        t.finish(cx);
        let password_env =
            password_env.filter(|p| checks::env_name(cx, p, "password_env", &what))?;
        cx.password_envs.push(NameRef {
            name: password_env.get_ref().clone(),
            span: password_env.span(),
        });
        Some(BasicAuth {
            user: user?.into_inner(),
            password_env: password_env.into_inner(),
        })
    });
    let expect_status = f.get("expect_status").and_then(|v| {
        let code = super::value::int_value(v.get_ref()).and_then(|n| u16::try_from(n).ok());
        if let Some(code) = code.filter(|c| (100..=599).contains(c)) {
            return Some(code);
        }
        cx.error(
            v.span(),
            format!(
                "expected an HTTP status code (100 to 599) for `expect_status` in {}, found {}",
                f.what,
                found(v.get_ref())
            ),
        );
        None
    });
    let max_latency = f.dur(cx, "max_latency");
    let body_contains = f.tpl(cx, "body_contains");
    let json = json(cx, f);
    Some(GateKind::Http {
        url: url?,
        method: method.unwrap_or_else(|| "GET".into()),
        headers,
        basic_auth,
        expect_status,
        max_latency,
        body_contains,
        json: json.ok()?,
    })
}

/// `json = { path, equals | condition }`; `Ok(None)` when absent.
fn json(cx: &mut Cx, f: &mut Fields<'_, '_>) -> Result<Option<JsonCheck>, Invalid> {
    if !f.has("json") {
        f.get("json");
        return Ok(None);
    }
    let mut t = f.table(cx, "json").ok_or(Invalid)?;
    let what = t.what.clone();
    let path = t.req_string(cx, "path", "a JSONPath like \"$.status\"");
    let path = path.filter(|p| checks::jsonpath(cx, p, "path", &what));
    let equals = t.get("equals").and_then(|v| {
        let text = match v.get_ref() {
            DeValue::String(s) => {
                cx.use_template(s, v.span(), false, format!("`equals` of {what}"));
                s.to_string()
            }
            DeValue::Integer(i) => super::value::int_value(v.get_ref())
                .map_or_else(|| i.to_string(), |n| n.to_string()),
            DeValue::Float(x) => x.as_str().to_string(),
            DeValue::Boolean(b) => b.to_string(),
            other => {
                cx.error(
                    v.span(),
                    format!(
                        "expected a string, number or boolean for `equals` in {what}, found {}",
                        found(other)
                    ),
                );
                return None;
            }
        };
        Some(Tpl::new(text, v.span()))
    });
    let condition = t
        .string(cx, "condition")
        .filter(|c| checks::condition(cx, c, "condition", &what));
    let both = t.has("equals") && t.has("condition");
    let neither = !t.has("equals") && !t.has("condition");
    let span = t.anchor();
    t.finish(cx);
    if both || neither {
        cx.error(
            span,
            format!("expected exactly one of `equals` or `condition` in {what}"),
        );
        return Err(Invalid);
    }
    let path = path.ok_or(Invalid)?.into_inner();
    match (equals, condition) {
        (Some(value), None) => Ok(Some(JsonCheck::Equals { path, value })),
        (None, Some(c)) => Ok(Some(JsonCheck::Condition {
            path,
            condition: c.into_inner(),
        })),
        _ => Err(Invalid),
    }
}

pub(crate) fn tcp(cx: &mut Cx, f: &mut Fields<'_, '_>) -> Option<GateKind> {
    let address = f.req_tpl(cx, "address", "an address like \"127.0.0.1:5432\"")?;
    checks::address(cx, &address, "address", &f.what);
    Some(GateKind::Tcp { address })
}

pub(crate) fn env(cx: &mut Cx, f: &mut Fields<'_, '_>) -> Option<GateKind> {
    let what = f.what.clone();
    let names = f.strings(cx, "names");
    let template = f.string(cx, "template");
    if names.is_none() && template.is_none() && !f.has("names") && !f.has("template") {
        f.missing(
            cx,
            "names",
            "a list of variable names, or `template = \"path/to/.env.template\"`",
        );
        return None;
    }
    let names = names.unwrap_or_default();
    let names = names
        .into_iter()
        .filter(|n| checks::env_name(cx, n, "names", &what))
        .map(toml::Spanned::into_inner)
        .collect();
    Some(GateKind::Env {
        names,
        template: template.map(toml::Spanned::into_inner),
    })
}

pub(crate) fn file(cx: &mut Cx, f: &mut Fields<'_, '_>) -> Option<GateKind> {
    let path = f.req_tpl(cx, "path", "a file or directory path");
    let exists = f.bool(cx, "exists");
    let writable = f.bool(cx, "writable");
    let what = f.what.clone();
    let newest = f
        .string(cx, "newest")
        .filter(|g| checks::glob(cx, g, "newest", &what));
    let max_age = f.dur(cx, "max_age");
    Some(GateKind::File {
        path: path?,
        exists,
        writable,
        newest: newest.map(toml::Spanned::into_inner),
        max_age,
    })
}

pub(crate) fn tls(cx: &mut Cx, f: &mut Fields<'_, '_>) -> Option<GateKind> {
    let address = f.req_tpl(cx, "address", "an address like \"example.com:443\"");
    if let Some(a) = &address {
        checks::address(cx, a, "address", &f.what);
    }
    let min_days = f.uint(cx, "min_days");
    let verify_chain = f.bool(cx, "verify_chain").unwrap_or(true);
    Some(GateKind::Tls {
        address: address?,
        min_days,
        verify_chain,
    })
}

pub(crate) fn command(cx: &mut Cx, f: &mut Fields<'_, '_>) -> Option<GateKind> {
    if !f.has("run") {
        f.get("run");
        f.missing(cx, "run", "a shell command");
    }
    let run = f.shell_tpl(cx, "run");
    let env = f.env_map(cx, "env");
    Some(GateKind::Command { run: run?, env })
}

pub(crate) fn prometheus(cx: &mut Cx, f: &mut Fields<'_, '_>) -> Option<GateKind> {
    let server = f.req_tpl(
        cx,
        "server",
        "the Prometheus URL, e.g. \"http://127.0.0.1:9090\"",
    );
    if let Some(s) = &server {
        checks::url(cx, s, "server", &f.what, checks::HTTP);
    }
    let query = f.req_tpl(cx, "query", "a PromQL query");
    let what = f.what.clone();
    let success = f.string(cx, "success_condition");
    let failure = f.string(cx, "failure_condition");
    if !f.has("success_condition") && !f.has("failure_condition") {
        f.missing(
            cx,
            "failure_condition",
            "a condition like \"result > 0.05\" (or `success_condition`)",
        );
        return None;
    }
    let success = success.filter(|c| checks::condition(cx, c, "success_condition", &what));
    let failure = failure.filter(|c| checks::condition(cx, c, "failure_condition", &what));
    Some(GateKind::Prometheus {
        server: server?,
        query: query?,
        success_condition: success.map(toml::Spanned::into_inner),
        failure_condition: failure.map(toml::Spanned::into_inner),
    })
}

pub(crate) fn git(cx: &mut Cx, f: &mut Fields<'_, '_>) -> GateKind {
    let clean = f.bool(cx, "clean");
    let branch = f.string(cx, "branch").map(toml::Spanned::into_inner);
    let head_tagged = f.bool(cx, "head_tagged");
    GateKind::Git {
        clean,
        branch,
        head_tagged,
    }
}

pub(crate) fn docker(cx: &mut Cx, f: &mut Fields<'_, '_>) -> Option<GateKind> {
    let service = f.req_string(cx, "service", "the name of a [[services]] entry");
    if let Some(s) = &service {
        cx.service_refs.push(NameRef {
            name: s.get_ref().clone(),
            span: s.span(),
        });
    }
    let healthy = f.bool(cx, "healthy");
    let max_restarts = f.uint(cx, "max_restarts");
    let image_is_target = f.bool(cx, "image_is_target");
    Some(GateKind::Docker {
        service: service?.into_inner(),
        healthy,
        max_restarts,
        image_is_target,
    })
}

pub(crate) fn release(cx: &mut Cx, f: &mut Fields<'_, '_>) -> Option<GateKind> {
    let environment = f.req_string(
        cx,
        "environment",
        "the environment whose journal is checked, e.g. \"staging\"",
    );
    let version = f.tpl(cx, "version");
    let completed = f.bool(cx, "completed").unwrap_or(true);
    let stable_for = f.dur(cx, "stable_for");
    Some(GateKind::Release {
        environment: environment?.into_inner(),
        version,
        completed,
        stable_for,
    })
}
