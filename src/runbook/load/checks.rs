//! Static checks of single values: ids, env var names, globs, regexes, URLs, `JSONPath`,
//! `host:port` addresses and conditions. Each reports at the value's span.

use super::cx::Cx;
use super::value::Str;
use crate::runbook::condition::Condition;
use crate::runbook::schema::Tpl;

/// Step and gate ids: letters, digits, `-`, `_` and `.`.
pub(crate) fn id(cx: &mut Cx, s: &Str, what: &str) -> bool {
    let v = s.get_ref();
    let ok = !v.is_empty()
        && v.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if !ok {
        cx.error(
            s.span(),
            format!("invalid {what} id \"{v}\"; use letters, digits, `-`, `_` and `.`"),
        );
    }
    ok
}

pub(crate) fn is_env_name(v: &str) -> bool {
    let mut chars = v.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

pub(crate) fn env_name(cx: &mut Cx, s: &Str, key: &str, what: &str) -> bool {
    let ok = is_env_name(s.get_ref());
    if !ok {
        let msg = format!(
            "invalid environment variable name \"{}\" in `{key}` of {what}; expected letters, digits and `_`, not starting with a digit",
            s.get_ref()
        );
        cx.error(s.span(), msg);
    }
    ok
}

pub(crate) fn glob(cx: &mut Cx, s: &Str, key: &str, what: &str) -> bool {
    match globset::Glob::new(s.get_ref()) {
        Ok(_) => true,
        Err(e) => {
            let msg = format!(
                "invalid glob \"{}\" for `{key}` in {what}: {}",
                s.get_ref(),
                e.kind()
            );
            cx.error(s.span(), msg);
            false
        }
    }
}

/// The one-line reason of a regex error (its display spans several lines).
fn regex_reason(e: &regex::Error) -> String {
    let text = e.to_string();
    text.lines()
        .find_map(|l| l.strip_prefix("error: "))
        .unwrap_or_else(|| text.lines().next().unwrap_or_default())
        .to_string()
}

pub(crate) fn regex(cx: &mut Cx, s: &Str, what: &str) -> Option<regex::Regex> {
    match regex::Regex::new(s.get_ref()) {
        Ok(r) => Some(r),
        Err(e) => {
            cx.error(
                s.span(),
                format!("invalid regex for {what}: {}", regex_reason(&e)),
            );
            None
        }
    }
}

pub(crate) fn jsonpath(cx: &mut Cx, s: &Str, key: &str, what: &str) -> bool {
    match serde_json_path::JsonPath::parse(s.get_ref()) {
        Ok(_) => true,
        Err(e) => {
            let msg = format!(
                "invalid JSONPath \"{}\" for `{key}` in {what}: {e}; expected a path like \"$.items[0].status\"",
                s.get_ref()
            );
            cx.error(s.span(), msg);
            false
        }
    }
}

/// A URL that is not a template must parse, with one of `schemes`.
pub(crate) fn url(cx: &mut Cx, t: &Tpl, key: &str, what: &str, schemes: &[&str]) {
    if t.is_template() {
        return;
    }
    let example = format!("{}://…", schemes.first().copied().unwrap_or("http"));
    match url::Url::parse(&t.src) {
        Ok(u) if schemes.contains(&u.scheme()) => {}
        Ok(u) => {
            let msg = format!(
                "unsupported URL scheme `{}` for `{key}` in {what}; expected one of: {}",
                u.scheme(),
                schemes.join(", ")
            );
            cx.error(t.span.clone(), msg);
        }
        Err(e) => {
            let msg = format!(
                "invalid URL \"{}\" for `{key}` in {what}: {e}; expected a URL like \"{example}\"",
                t.src
            );
            cx.error(t.span.clone(), msg);
        }
    }
}

pub(crate) const HTTP: &[&str] = &["http", "https"];

/// `host:port`, unless it is a template.
pub(crate) fn address(cx: &mut Cx, t: &Tpl, key: &str, what: &str) {
    if t.is_template() {
        return;
    }
    let ok = t
        .src
        .rsplit_once(':')
        .is_some_and(|(host, port)| !host.is_empty() && port.parse::<u16>().is_ok_and(|p| p > 0));
    if !ok {
        let msg = format!(
            "expected an address like \"host:port\" for `{key}` in {what}, found \"{}\"",
            t.src
        );
        cx.error(t.span.clone(), msg);
    }
}

pub(crate) fn condition(cx: &mut Cx, s: &Str, key: &str, what: &str) -> bool {
    match Condition::compile(s.get_ref()) {
        Ok(c) => {
            if c.uses_baseline() {
                cx.baseline_uses.push(s.span());
            }
            true
        }
        Err(e) => {
            cx.error(
                s.span(),
                format!("invalid condition for `{key}` in {what}: {e}"),
            );
            false
        }
    }
}

/// One of a fixed set of words (`required | optional`).
pub(crate) fn one_of<'w>(
    cx: &mut Cx,
    s: &Str,
    key: &str,
    what: &str,
    words: &[&'w str],
) -> Option<&'w str> {
    if let Some(w) = words.iter().find(|w| **w == s.get_ref()) {
        return Some(w);
    }
    let msg = format!(
        "invalid `{key}` \"{}\" in {what}; expected {}",
        s.get_ref(),
        quoted_alternatives(words)
    );
    cx.error(s.span(), msg);
    None
}

/// `"a", "b" or "c"`.
pub(crate) fn quoted_alternatives(words: &[&str]) -> String {
    let quoted: Vec<String> = words.iter().map(|w| format!("\"{w}\"")).collect();
    match quoted.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        _ => quoted.join(""),
    }
}
