//! `[release]`, `[environments.NAME]`, `[vars]`, `[secrets]` and `[git]`.

use std::collections::BTreeMap;
use std::time::Duration;

use toml::de::DeValue;

use super::checks;
use super::cx::Cx;
use super::fields::Fields;
use super::value::{DURATION, Val, found};
use crate::runbook::schema::{Dur, Environment, GitConfig, Release, VersionSource};

/// `[release]`; on errors, what could be read (`environment`, `protected`) is still returned so
/// that later checks can use it.
pub(crate) fn release(
    cx: &mut Cx,
    v: Option<&Val<'_>>,
) -> (Option<Release>, Option<String>, Vec<String>) {
    match release_parts(cx, v) {
        Some(parts) => parts,
        None => (None, None, default_protected()),
    }
}

fn default_protected() -> Vec<String> {
    vec!["production".to_string(), "prod".to_string()]
}

fn release_parts(
    cx: &mut Cx,
    v: Option<&Val<'_>>,
) -> Option<(Option<Release>, Option<String>, Vec<String>)> {
    let Some(v) = v else {
        cx.error(
            0..0,
            "missing [release] section; it needs `name`, `environment` and `version`",
        );
        return None;
    };
    let mut f = Fields::of(cx, v, "[release]", "a table [release]")?;
    let name = non_empty(cx, &mut f, "name", "the release name, e.g. \"backend\"");
    let environment = non_empty(
        cx,
        &mut f,
        "environment",
        "the environment name, e.g. \"production\"",
    );
    let version = version(cx, &mut f);
    let window = fixed_dur(cx, &mut f, "window");
    let protected = f
        .strings(cx, "protected")
        .map_or_else(default_protected, |v| {
            v.into_iter().map(toml::Spanned::into_inner).collect()
        });
    let operators = f
        .strings(cx, "operators")
        .map(|v| v.into_iter().map(toml::Spanned::into_inner).collect());
    let shared_group = f.string(cx, "shared_group").map(toml::Spanned::into_inner);
    f.finish(cx);
    let release = match (name, environment.clone(), version) {
        (Some(name), Some(environment), Some(version)) => Some(Release {
            name,
            environment,
            version,
            window,
            protected: protected.clone(),
            operators,
            shared_group,
        }),
        _ => None,
    };
    Some((release, environment, protected))
}

fn non_empty(
    cx: &mut Cx,
    f: &mut Fields<'_, '_>,
    key: &'static str,
    expected: &str,
) -> Option<String> {
    let s = f.req_string(cx, key, expected)?;
    if s.get_ref().trim().is_empty() {
        cx.error(
            s.span(),
            format!(
                "`{key}` in {} must not be empty; expected {expected}",
                f.what
            ),
        );
        return None;
    }
    Some(s.into_inner())
}

/// A duration that must be known at load time (no template).
fn fixed_dur(cx: &mut Cx, f: &mut Fields<'_, '_>, key: &'static str) -> Option<Duration> {
    match f.dur(cx, key)? {
        Dur::Fixed(d) => Some(d),
        Dur::Template(t) => {
            cx.templates.pop();
            let msg = format!(
                "expected {DURATION} for `{key}` in {}; a template is not allowed here",
                f.what
            );
            cx.error(t.span, msg);
            None
        }
    }
}

const VERSION_EXPECTED: &str =
    "a version string, { file = \"VERSION\" }, { env = \"VERSION\" } or { git = \"describe\" }";

fn version(cx: &mut Cx, f: &mut Fields<'_, '_>) -> Option<VersionSource> {
    if !f.has("version") {
        f.get("version");
        f.missing(cx, "version", VERSION_EXPECTED);
        return None;
    }
    let v = f.get("version")?;
    match v.get_ref() {
        DeValue::String(s) if !s.trim().is_empty() => Some(VersionSource::Literal(s.to_string())),
        DeValue::Table(t) => {
            let mut vf = Fields::new(t, v.span(), "`version` of [release]");
            let file = vf.string(cx, "file");
            let env = vf.string(cx, "env");
            let git = vf.string(cx, "git");
            vf.finish(cx);
            let given = [file.is_some(), env.is_some(), git.is_some()]
                .iter()
                .filter(|b| **b)
                .count();
            if given != 1 {
                cx.error(v.span(), format!("expected exactly one of `file`, `env` or `git` in `version` of [release]; expected {VERSION_EXPECTED}"));
                return None;
            }
            if let Some(file) = file {
                return Some(VersionSource::File(file.into_inner()));
            }
            if let Some(env) = env {
                checks::env_name(cx, &env, "version.env", "[release]");
                return Some(VersionSource::Env(env.into_inner()));
            }
            let git = git?;
            if git.get_ref() != "describe" {
                cx.error(
                    git.span(),
                    format!(
                        "expected `git = \"describe\"` in `version` of [release], found \"{}\"",
                        git.get_ref()
                    ),
                );
                return None;
            }
            Some(VersionSource::GitDescribe)
        }
        other => {
            cx.error(
                v.span(),
                format!(
                    "expected {VERSION_EXPECTED} for `version` in [release], found {}",
                    found(other)
                ),
            );
            None
        }
    }
}

/// A table of scalars, each turned into a string (`[vars]`, `vars = {…}`).
pub(crate) fn scalars(cx: &mut Cx, v: &Val<'_>, what: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let Some(f) = Fields::of(cx, v, what.to_string(), &format!("a table for {what}")) else {
        return out;
    };
    for (key, item) in f.entries() {
        if !checks::is_env_name(key.get_ref()) {
            let msg = format!(
                "invalid variable name `{}` in {what}; templates reach it as `vars.NAME`, so use letters, digits and `_`",
                key.get_ref()
            );
            cx.error(key.span(), msg);
        }
        let text = match item.get_ref() {
            DeValue::String(s) => s.to_string(),
            DeValue::Integer(_) => super::value::int_value(item.get_ref())
                .map(|i| i.to_string())
                .unwrap_or_default(),
            DeValue::Float(x) => x.as_str().to_string(),
            DeValue::Boolean(b) => b.to_string(),
            DeValue::Datetime(d) => d.to_string(),
            other => {
                let msg = format!(
                    "expected a string, number or boolean for `{}` in {what}, found {}",
                    key.get_ref(),
                    found(other)
                );
                cx.error(item.span(), msg);
                continue;
            }
        };
        out.insert(key.into_inner(), text);
    }
    out
}

pub(crate) fn environments(cx: &mut Cx, v: Option<&Val<'_>>) -> BTreeMap<String, Environment> {
    let mut out = BTreeMap::new();
    let Some(v) = v else { return out };
    let Some(f) = Fields::of(
        cx,
        v,
        "[environments]",
        "a table of environments ([environments.NAME])",
    ) else {
        return out;
    };
    for (name, item) in f.entries() {
        let what = format!("[environments.{}]", name.get_ref());
        let Some(mut ef) = Fields::of(cx, item, what.clone(), &format!("a table for {what}"))
        else {
            continue;
        };
        let vars = ef
            .get("vars")
            .map(|v| scalars(cx, v, &format!("`vars` of {what}")))
            .unwrap_or_default();
        let protected = ef.bool(cx, "protected");
        ef.finish(cx);
        out.insert(name.into_inner(), Environment { vars, protected });
    }
    out
}

pub(crate) fn secrets(cx: &mut Cx, v: Option<&Val<'_>>) -> Vec<String> {
    let Some(v) = v else { return Vec::new() };
    let Some(mut f) = Fields::of(cx, v, "[secrets]", "a table [secrets] with `env = [...]`") else {
        return Vec::new();
    };
    let names = f.strings(cx, "env").unwrap_or_default();
    f.finish(cx);
    let mut out = Vec::new();
    for name in names {
        if checks::env_name(cx, &name, "env", "[secrets]") {
            out.push(name.into_inner());
        }
    }
    out
}

pub(crate) fn git(cx: &mut Cx, v: Option<&Val<'_>>) -> Option<GitConfig> {
    let mut f = Fields::of(cx, v?, "[git]", "a table [git]")?;
    let path = f
        .string(cx, "path")
        .map_or_else(|| ".".to_string(), toml::Spanned::into_inner);
    let release_tags = match f.string(cx, "release_tags") {
        Some(s) => {
            checks::glob(cx, &s, "release_tags", "[git]");
            s.into_inner()
        }
        None => "v*".to_string(),
    };
    let mut lkg_tags = Vec::new();
    for s in f.strings(cx, "lkg_tags").unwrap_or_default() {
        checks::glob(cx, &s, "lkg_tags", "[git]");
        lkg_tags.push(s.into_inner());
    }
    f.finish(cx);
    Some(GitConfig {
        path,
        release_tags,
        lkg_tags,
    })
}
