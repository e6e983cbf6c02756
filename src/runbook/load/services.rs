//! `[[docker.hosts]]`, `[[services]]` and `[[revisions]]`.

use super::checks;
use super::cx::Cx;
use super::fields::Fields;
use super::value::{Str, Val, tables};
use crate::runbook::schema::{
    DockerHost, RevisionFields, RevisionSource, Service, ServiceMatch, TlsFiles,
};

const DOCKER_SCHEMES: &[&str] = &["unix", "tcp", "http", "https", "ssh", "npipe"];

pub(crate) fn docker_hosts(cx: &mut Cx, v: Option<&Val<'_>>) -> Vec<DockerHost> {
    let mut out = Vec::new();
    let Some(v) = v else { return out };
    let Some(mut docker) = Fields::of(cx, v, "[docker]", "a table [docker]") else {
        return out;
    };
    let hosts = docker.get("hosts");
    docker.finish(cx);
    let mut seen = std::collections::BTreeMap::new();
    for (table, span) in hosts
        .map(|h| tables(cx, h, "docker.hosts"))
        .unwrap_or_default()
    {
        let mut f = Fields::new(table, span, "[[docker.hosts]] entry");
        let name = f.req_string(cx, "name", "a host name, e.g. \"local\"");
        if let Some(n) = &name {
            f.what = format!("docker host `{}`", n.get_ref());
            unique(cx, &mut seen, n, "docker host");
        }
        let url = f.req_tpl(
            cx,
            "url",
            "a Docker endpoint like \"unix:///var/run/docker.sock\"",
        );
        if let Some(u) = &url {
            checks::url(cx, u, "url", &f.what, DOCKER_SCHEMES);
        }
        let tls = f.table(cx, "tls").and_then(|mut t| {
            let expected = "a path to a PEM file";
            let files = (
                t.req_string(cx, "ca", expected),
                t.req_string(cx, "cert", expected),
                t.req_string(cx, "key", expected),
            );
            t.finish(cx);
            match files {
                (Some(ca), Some(cert), Some(key)) => Some(TlsFiles {
                    ca: ca.into_inner(),
                    cert: cert.into_inner(),
                    key: key.into_inner(),
                }),
                _ => None,
            }
        });
        f.finish(cx);
        if let (Some(name), Some(url)) = (name, url) {
            out.push(DockerHost {
                name: name.into_inner(),
                url: url.src,
                tls,
            });
        }
    }
    out
}

/// Report a second definition of the same name.
fn unique(
    cx: &mut Cx,
    seen: &mut std::collections::BTreeMap<String, crate::runbook::Span>,
    s: &Str,
    what: &str,
) -> bool {
    if let Some(first) = seen.get(s.get_ref()) {
        let line = cx.line(first);
        cx.error(
            s.span(),
            format!(
                "duplicate {what} `{}` (first defined on line {line})",
                s.get_ref()
            ),
        );
        return false;
    }
    seen.insert(s.get_ref().clone(), s.span());
    true
}

pub(crate) fn services(cx: &mut Cx, v: Option<&Val<'_>>) -> Vec<Service> {
    let mut out = Vec::new();
    let Some(v) = v else { return out };
    let mut seen = std::mem::take(&mut cx.service_names);
    for (table, span) in tables(cx, v, "services") {
        let mut f = Fields::new(table, span, "[[services]] entry");
        let name = f.req_string(cx, "name", "the service name, e.g. \"backend\"");
        if let Some(n) = &name {
            f.what = format!("service `{}`", n.get_ref());
            unique(cx, &mut seen, n, "service");
        }
        let matcher = matcher(cx, &mut f);
        let logs = f.bool(cx, "logs").unwrap_or(false);
        f.finish(cx);
        if let (Some(name), Some(matcher)) = (name, matcher) {
            out.push(Service {
                name: name.into_inner(),
                matcher,
                logs,
            });
        }
    }
    cx.service_names = seen;
    out
}

const MATCH_EXPECTED: &str =
    "one of { label = \"key=value\" }, { name = \"web-*\" } or { swarm_service = \"web\" }";

fn matcher(cx: &mut Cx, f: &mut Fields<'_, '_>) -> Option<ServiceMatch> {
    if !f.has("match") {
        f.get("match");
        f.missing(cx, "match", MATCH_EXPECTED);
        return None;
    }
    let mut m = f.table(cx, "match")?;
    let span = m.table_span();
    let what = m.what.clone();
    let label = m.string(cx, "label");
    let name = m.string(cx, "name");
    let swarm = m.string(cx, "swarm_service");
    m.finish(cx);
    let given =
        usize::from(label.is_some()) + usize::from(name.is_some()) + usize::from(swarm.is_some());
    if given != 1 {
        cx.error(
            span,
            format!("expected exactly one of `label`, `name` or `swarm_service` in {what}"),
        );
        return None;
    }
    if let Some(label) = label {
        let text = label.into_inner();
        return Some(match text.split_once('=') {
            Some((k, v)) => ServiceMatch::Label {
                key: k.to_string(),
                value: Some(v.to_string()),
            },
            None => ServiceMatch::Label {
                key: text,
                value: None,
            },
        });
    }
    if let Some(name) = name {
        checks::glob(cx, &name, "name", &what);
        return Some(ServiceMatch::Name(name.into_inner()));
    }
    swarm.map(|s| ServiceMatch::SwarmService(s.into_inner()))
}

pub(crate) fn revisions(cx: &mut Cx, v: Option<&Val<'_>>) -> Vec<RevisionSource> {
    let mut out = Vec::new();
    let Some(v) = v else { return out };
    let mut seen = std::collections::BTreeMap::new();
    for (table, span) in tables(cx, v, "revisions") {
        let mut f = Fields::new(table, span, "[[revisions]] entry");
        let name = f.req_string(cx, "name", "a name for the source, e.g. \"helm\"");
        if let Some(n) = &name {
            f.what = format!("revision source `{}`", n.get_ref());
            unique(cx, &mut seen, n, "revision source");
        }
        let source = if f.has("command") && f.has("url") {
            let url = f.get("url").map(toml::Spanned::span).unwrap_or_default();
            f.get("command");
            cx.error(
                url,
                format!("{} has both `command` and `url`; use one", f.what),
            );
            None
        } else if f.has("url") {
            url_source(cx, &mut f)
        } else if f.has("command") {
            command_source(cx, &mut f)
        } else {
            f.get("command");
            f.get("url");
            f.missing(
                cx,
                "command",
                "a command printing JSON (with `fields`), or use `url` (with `version`)",
            );
            None
        };
        f.finish(cx);
        if let (Some(name), Some(source)) = (name, source) {
            out.push(match source {
                Partial::Command(command, fields) => RevisionSource::Command {
                    name: name.into_inner(),
                    command,
                    fields,
                },
                Partial::Url(url, version, sha) => RevisionSource::Url {
                    name: name.into_inner(),
                    url,
                    version,
                    sha,
                },
            });
        }
    }
    out
}

enum Partial {
    Command(crate::runbook::Tpl, RevisionFields),
    Url(crate::runbook::Tpl, String, Option<String>),
}

fn command_source(cx: &mut Cx, f: &mut Fields<'_, '_>) -> Option<Partial> {
    let command = f.shell_tpl(cx, "command");
    if !f.has("fields") {
        f.get("fields");
        f.missing(
            cx,
            "fields",
            "JSONPath columns, e.g. { id = \"$[*].revision\" }",
        );
        return None;
    }
    let mut t = f.table(cx, "fields")?;
    let what = t.what.clone();
    let mut path = |t: &mut Fields<'_, '_>, key: &'static str, required: bool| {
        let s = if required {
            t.req_string(cx, key, "a JSONPath like \"$[*].revision\"")
        } else {
            t.string(cx, key)
        }?;
        checks::jsonpath(cx, &s, key, &what).then(|| s.into_inner())
    };
    let id = path(&mut t, "id", true);
    let status = path(&mut t, "status", false);
    let at = path(&mut t, "at", false);
    let description = path(&mut t, "description", false);
    t.finish(cx);
    Some(Partial::Command(
        command?,
        RevisionFields {
            id: id?,
            status,
            at,
            description,
        },
    ))
}

fn url_source(cx: &mut Cx, f: &mut Fields<'_, '_>) -> Option<Partial> {
    let url = f.tpl(cx, "url");
    if let Some(u) = &url {
        checks::url(cx, u, "url", &f.what, checks::HTTP);
    }
    let what = f.what.clone();
    let version = f.req_string(
        cx,
        "version",
        "a JSONPath to the version, e.g. \"$.version\"",
    );
    let version = version.filter(|s| checks::jsonpath(cx, s, "version", &what));
    let sha = f
        .string(cx, "sha")
        .filter(|s| checks::jsonpath(cx, s, "sha", &what));
    Some(Partial::Url(
        url?,
        version?.into_inner(),
        sha.map(toml::Spanned::into_inner),
    ))
}
