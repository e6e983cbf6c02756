//! Templates (DESIGN.md §3.2): the render context, strict rendering, shell-quoted rendering of
//! `run` commands, templated durations, and `--set vars.NAME=VALUE` overrides.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::LazyLock;
use std::time::Duration;

use minijinja::value::Value;
use minijinja::{AutoEscape, Environment, Error, ErrorKind, UndefinedBehavior};

use super::duration::{self, DurationError};
use super::schema::{Dur, Runbook, Span, Tpl};

/// Every variable a template may use; `vars.*`, `env.*` and `captures.*` take any name.
pub const VARIABLES: &[&str] = &[
    "version",
    "release.name",
    "release.environment",
    "operator",
    "previous",
    "previous_version",
    "lkg",
    "lkg_version",
    "git.head",
    "git.short",
    "vars.*",
    "env.*",
    "captures.*",
    "rollback.version",
];

/// The values templates see. A `None` is *undefined*: using it is an error.
#[derive(Debug, Clone, Default)]
pub struct Context {
    pub version: String,
    pub release_name: String,
    pub environment: String,
    pub operator: String,
    pub previous: Option<String>,
    pub previous_version: Option<String>,
    pub lkg: Option<String>,
    pub lkg_version: Option<String>,
    pub git_head: Option<String>,
    pub git_short: Option<String>,
    pub vars: BTreeMap<String, String>,
    pub env: BTreeMap<String, String>,
    pub captures: BTreeMap<String, String>,
    pub rollback_version: Option<String>,
    /// Gate baselines (DESIGN.md §10), by gate id: the median taken, or why there is none.
    /// Conditions read them as `baseline`; templates do not.
    pub baselines: BTreeMap<String, Result<f64, String>>,
}

/// A template that could not be rendered, pointing at the template's value in the runbook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderError {
    pub span: Span,
    pub message: String,
}

impl fmt::Display for RenderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for RenderError {}

fn base_env() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_auto_escape_callback(|_| AutoEscape::None);
    env
}

/// Environment for plain values (URLs, messages, env values …).
pub(crate) static PLAIN: LazyLock<Environment<'static>> = LazyLock::new(base_env);

/// Environment for text that reaches a shell: every interpolated value is one quoted word.
static SHELL: LazyLock<Environment<'static>> = LazyLock::new(|| {
    let mut env = base_env();
    env.set_formatter(|out, _state, value| {
        if value.is_undefined() {
            return Err(Error::from(ErrorKind::UndefinedError));
        }
        let text = value.to_string();
        let quoted = shlex::try_quote(&text)
            .map_err(|e| Error::new(ErrorKind::InvalidOperation, e.to_string()))?;
        out.write_str(&quoted)
            .map_err(|_| Error::from(ErrorKind::WriteFailure))
    });
    env
});

/// A minijinja error as one line: `syntax error: unexpected end of input`.
pub(crate) fn describe(err: &Error) -> String {
    match err.detail() {
        Some(detail) => format!("{}: {detail}", err.kind()),
        None => err.kind().to_string(),
    }
}

/// Names of minijinja's global functions (`range`, `dict` …), which are not runbook variables.
pub(crate) fn is_global(root: &str) -> bool {
    PLAIN.globals().any(|(name, _)| name == root)
}

/// The variables a template uses, with their attribute paths (`vars.compose_file`), sorted.
pub fn referenced_variables(src: &str) -> Result<Vec<String>, String> {
    let tpl = PLAIN.template_from_str(src).map_err(|e| describe(&e))?;
    let mut names: Vec<String> = tpl
        .undeclared_variables(true)
        .into_iter()
        .filter(|n| !is_global(n.split('.').next().unwrap_or(n)))
        .collect();
    names.sort();
    Ok(names)
}

/// Render a plain value; using an undefined variable is an error naming it.
pub fn render(tpl: &Tpl, ctx: &Context) -> Result<String, RenderError> {
    render_in(&PLAIN, tpl, ctx)
}

/// Render text for a shell: every interpolated value is shell-quoted, so a tag such as
/// `v1;touch pwned` stays one inert word.
pub fn render_shell(tpl: &Tpl, ctx: &Context) -> Result<String, RenderError> {
    render_in(&SHELL, tpl, ctx)
}

/// A fixed duration, or a templated one rendered and parsed (at most [`duration::MAX`]).
pub fn render_duration(d: &Dur, ctx: &Context) -> Result<Duration, RenderError> {
    match d {
        Dur::Fixed(d) => Ok(*d),
        Dur::Template(tpl) => {
            let text = render(tpl, ctx)?;
            duration::parse(&text).map_err(|e| RenderError {
                span: tpl.span.clone(),
                message: match e {
                    DurationError::Invalid => format!(
                        "`{}` rendered to \"{text}\", which is not a duration like \"30s\" or \"2m\"",
                        tpl.src
                    ),
                    DurationError::TooLong => {
                        format!("`{}` rendered to \"{text}\"; {e}", tpl.src)
                    }
                },
            })
        }
    }
}

fn render_in(env: &Environment<'static>, tpl: &Tpl, ctx: &Context) -> Result<String, RenderError> {
    if !tpl.is_template() {
        return Ok(tpl.src.clone());
    }
    let fail = |message: String| RenderError {
        span: tpl.span.clone(),
        message,
    };
    let compiled = env
        .template_from_str(&tpl.src)
        .map_err(|e| fail(describe(&e)))?;
    match compiled.render(root(ctx)) {
        Ok(text) => Ok(text),
        // Say which variable is missing and why (a `default(…)` filter renders fine above).
        Err(e) => {
            for name in &referenced_variables(&tpl.src).map_err(&fail)? {
                available(name, ctx).map_err(&fail)?;
            }
            Err(fail(describe(&e)))
        }
    }
}

/// Whether `name` (a nested variable path) has a value in `ctx`; the error says why not.
fn available(name: &str, ctx: &Context) -> Result<(), String> {
    let mut parts = name.splitn(3, '.');
    let root = parts.next().unwrap_or_default();
    let sub = parts.next();
    let optional = |value: &Option<String>, why: &str| match value {
        Some(_) => Ok(()),
        None => Err(format!("undefined variable `{name}` ({why})")),
    };
    let keyed = |map: &BTreeMap<String, String>, key: &str, why: &str| {
        if map.contains_key(key) {
            Ok(())
        } else {
            Err(format!("undefined variable `{name}` ({why})"))
        }
    };
    match (root, sub) {
        ("version" | "operator" | "release" | "vars" | "env" | "captures" | "git", None)
        | ("release", Some("name" | "environment")) => Ok(()),
        ("previous", None) => optional(&ctx.previous, "no earlier release tag"),
        ("previous_version", None) => optional(&ctx.previous_version, "no earlier release tag"),
        ("lkg", None) => optional(&ctx.lkg, "no tag matches `lkg_tags`"),
        ("lkg_version", None) => optional(&ctx.lkg_version, "no tag matches `lkg_tags`"),
        ("git", Some("head")) => optional(&ctx.git_head, "no git commit"),
        ("git", Some("short")) => optional(&ctx.git_short, "no git commit"),
        ("rollback", None | Some("version")) => {
            optional(&ctx.rollback_version, "only set in a rollback")
        }
        ("env", Some(key)) => keyed(&ctx.env, key, "not set in the environment"),
        ("captures", Some(key)) => keyed(&ctx.captures, key, "no earlier step captured it"),
        ("vars", Some(key)) if ctx.vars.contains_key(key) => Ok(()),
        ("vars", Some(_)) => {
            let all: Vec<String> = ctx.vars.keys().map(|k| format!("vars.{k}")).collect();
            Err(format!(
                "undefined variable `{name}`; defined: {}",
                all.join(", ")
            ))
        }
        _ => Err(format!("unknown variable `{name}`")),
    }
}

fn map_value(map: &BTreeMap<String, String>) -> Value {
    Value::from_pairs(map.iter().map(|(k, v)| (k.as_str(), v.as_str())))
}

fn root(ctx: &Context) -> Value {
    let mut m: BTreeMap<&str, Value> = BTreeMap::new();
    m.insert("version", Value::from(ctx.version.as_str()));
    m.insert("operator", Value::from(ctx.operator.as_str()));
    m.insert(
        "release",
        Value::from_pairs([
            ("name", ctx.release_name.as_str()),
            ("environment", ctx.environment.as_str()),
        ]),
    );
    let optional = [
        ("previous", &ctx.previous),
        ("previous_version", &ctx.previous_version),
        ("lkg", &ctx.lkg),
        ("lkg_version", &ctx.lkg_version),
    ];
    for (key, value) in optional {
        if let Some(v) = value {
            m.insert(key, Value::from(v.as_str()));
        }
    }
    let git = Value::from_pairs(
        [("head", &ctx.git_head), ("short", &ctx.git_short)]
            .into_iter()
            .filter_map(|(k, v)| v.as_deref().map(|v| (k, v))),
    );
    m.insert("git", git);
    m.insert("vars", map_value(&ctx.vars));
    m.insert("env", map_value(&ctx.env));
    m.insert("captures", map_value(&ctx.captures));
    // Always a map, so `rollback.version | default("…")` works outside a rollback too.
    let rollback = Value::from_pairs(ctx.rollback_version.iter().map(|v| ("version", v.as_str())));
    m.insert("rollback", rollback);
    Value::from_pairs(m)
}

/// The `vars` a run sees: `[vars]`, then `[environments.NAME].vars`, then `--set vars.NAME=VALUE`.
pub fn apply_overrides(
    runbook: &Runbook,
    env_name: &str,
    sets: &[(String, String)],
) -> Result<BTreeMap<String, String>, String> {
    let env = runbook.environments.get(env_name);
    if env.is_none() && env_name != runbook.release.environment {
        let mut known: Vec<&str> = runbook.environments.keys().map(String::as_str).collect();
        if !known.contains(&runbook.release.environment.as_str()) {
            known.insert(0, &runbook.release.environment);
        }
        return Err(format!(
            "unknown environment `{env_name}`; defined environments: {}",
            known.join(", ")
        ));
    }
    let mut vars = runbook.vars.clone();
    if let Some(env) = env {
        vars.extend(env.vars.iter().map(|(k, v)| (k.clone(), v.clone())));
    }
    let mut declared: Vec<&str> = runbook.vars.keys().map(String::as_str).collect();
    for e in runbook.environments.values() {
        declared.extend(e.vars.keys().map(String::as_str));
    }
    for (key, value) in sets {
        let Some(name) = key.strip_prefix("vars.").filter(|n| !n.is_empty()) else {
            return Err(format!(
                "cannot set `{key}`: only `--set vars.NAME=VALUE` is accepted"
            ));
        };
        if !declared.contains(&name) {
            let hint = super::diag::hint(name, declared.iter().copied(), "defined");
            return Err(format!(
                "cannot set `vars.{name}`: no such variable in the runbook{hint}"
            ));
        }
        vars.insert(name.to_string(), value.clone());
    }
    Ok(vars)
}

#[cfg(test)]
#[path = "template_tests.rs"]
mod tests;
