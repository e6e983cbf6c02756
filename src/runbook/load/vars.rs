//! The variables each template may use (DESIGN.md §3.2), checked once the whole runbook is
//! read; and, for text that reaches a shell, no interpolation inside quotes.

use std::collections::BTreeSet;

use super::cx::{CaptureDef, Cx, Scope};
use crate::runbook::diag::suggest;
use crate::runbook::template::{VARIABLES, referenced_variables};

/// What the whole runbook defines: `[vars]` and every `[environments.*].vars`.
pub(crate) struct Defined {
    pub vars: BTreeSet<String>,
}

pub(crate) fn check_templates(cx: &mut Cx, defined: &Defined) {
    let uses = std::mem::take(&mut cx.templates);
    let captures = std::mem::take(&mut cx.captures);
    for u in &uses {
        if !(u.src.contains("{{") || u.src.contains("{%") || u.src.contains("{#")) {
            continue;
        }
        let names = match referenced_variables(&u.src) {
            Ok(names) => names,
            Err(e) => {
                cx.error(
                    u.span.clone(),
                    format!("invalid template in {}: {e}", u.what),
                );
                continue;
            }
        };
        for name in names {
            if let Err(msg) = check_name(&name, u.scope, defined, &captures) {
                cx.error(u.span.clone(), msg);
            }
        }
        if u.shell
            && let Some(quote) = quoted_interpolation(&u.src)
        {
            let msg = format!(
                "`{{{{ … }}}}` inside {quote} quotes in {}: values are shell-quoted already, so remove the quotes (or pass the value through `env`)",
                u.what
            );
            cx.error(u.span.clone(), msg);
        }
    }
    cx.templates = uses;
    cx.captures = captures;
}

/// Names a template may use, for "did you mean".
fn known_names() -> impl Iterator<Item = &'static str> + Clone {
    VARIABLES.iter().map(|v| v.trim_end_matches(".*"))
}

fn check_name(
    name: &str,
    scope: Scope,
    defined: &Defined,
    captures: &[CaptureDef],
) -> Result<(), String> {
    let mut parts = name.splitn(3, '.');
    let root = parts.next().unwrap_or_default();
    let sub = parts.next();
    match (root, sub) {
        (
            "version" | "operator" | "previous" | "previous_version" | "lkg" | "lkg_version"
            | "release" | "git" | "vars" | "env" | "captures",
            None,
        )
        | ("release", Some("name" | "environment"))
        | ("git", Some("head" | "short"))
        | ("env", Some(_)) => Ok(()),
        ("vars", Some(var)) => {
            if defined.vars.contains(var) {
                return Ok(());
            }
            if defined.vars.is_empty() {
                return Err(format!(
                    "undefined variable `{name}`; no [vars] are defined"
                ));
            }
            let all: Vec<String> = defined.vars.iter().map(|v| format!("vars.{v}")).collect();
            Err(format!(
                "undefined variable `{name}`; defined: {}",
                all.join(", ")
            ))
        }
        ("captures", Some(cap)) => check_capture(name, cap, scope, captures),
        ("rollback", None | Some("version")) => match scope {
            Scope::Rollback(_) => Ok(()),
            _ => Err(format!("`{name}` is only available in [[rollback.steps]]")),
        },
        _ => {
            let hint = match suggest(name, known_names()) {
                Some(s) => format!("; did you mean `{s}`?"),
                None => format!("; available: {}", VARIABLES.join(", ")),
            };
            Err(format!("unknown variable `{name}`{hint}"))
        }
    }
}

fn check_capture(
    name: &str,
    cap: &str,
    scope: Scope,
    captures: &[CaptureDef],
) -> Result<(), String> {
    let visible = |c: &CaptureDef| match scope {
        Scope::Shared => !c.rollback,
        Scope::Step(i) => !c.rollback && c.step < i,
        Scope::Rollback(i) => !c.rollback || c.step < i,
    };
    if captures.iter().any(|c| c.name == cap && visible(c)) {
        return Ok(());
    }
    if let Some(later) = captures.iter().find(|c| c.name == cap) {
        let when = match scope {
            Scope::Step(i) | Scope::Rollback(i) if later.step == i => {
                "this same step; a capture is available to later steps only".to_string()
            }
            _ => format!("{}, which runs after this one", later.step_what),
        };
        return Err(format!(
            "undefined variable `{name}`: it is captured by {when}"
        ));
    }
    let seen: Vec<String> = captures
        .iter()
        .filter(|c| visible(c))
        .map(|c| format!("captures.{}", c.name))
        .collect();
    if seen.is_empty() {
        Err(format!(
            "undefined variable `{name}`; no earlier step has a `capture`"
        ))
    } else {
        Err(format!(
            "undefined variable `{name}`; captured by earlier steps: {}",
            seen.join(", ")
        ))
    }
}

/// The kind of quotes (`single` / `double`) around the first `{{ … }}` inside quotes, if any.
pub(crate) fn quoted_interpolation(src: &str) -> Option<&'static str> {
    let bytes = src.as_bytes();
    let mut quote: Option<u8> = None;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if bytes[i..].starts_with(b"{{") {
            if let Some(q) = quote {
                return Some(if q == b'\'' { "single" } else { "double" });
            }
            // Skip the interpolation itself: its quotes are template syntax, not shell.
            match src[i..].find("}}") {
                Some(end) => i += end + 2,
                None => return None,
            }
            continue;
        }
        match (quote, b) {
            (None | Some(b'"'), b'\\') => i += 1,
            (None, b'\'' | b'"') => quote = Some(b),
            (Some(q), _) if q == b => quote = None,
            _ => {}
        }
        i += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::quoted_interpolation;

    #[test]
    fn finds_interpolations_inside_quotes() {
        assert_eq!(quoted_interpolation("git checkout {{ previous }}"), None);
        assert_eq!(quoted_interpolation("echo '{{ version }}'"), Some("single"));
        assert_eq!(
            quoted_interpolation("sh -c \"deploy {{ version }}\""),
            Some("double")
        );
        assert_eq!(quoted_interpolation("echo 'a' {{ version }} \"b\""), None);
        assert_eq!(quoted_interpolation("echo \\'{{ version }}"), None);
        assert_eq!(
            quoted_interpolation("x {{ vars['a'] }} '{{ version }}'"),
            Some("single")
        );
    }
}
