//! Free helpers about TOML values: how a value is described in messages, integers, and the
//! tables of an array of tables.

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::cx::Cx;
use crate::runbook::schema::Span;

pub(crate) type Val<'i> = Spanned<DeValue<'i>>;

/// A string value with the span of its value (quotes included).
pub(crate) type Str = Spanned<String>;

pub(crate) const DURATION: &str = "a duration like \"30s\" or \"2m\"";

/// How a value is described after "found": `string "abc"`, `integer 3`, `an array` …
pub(crate) fn found(v: &DeValue<'_>) -> String {
    match v {
        DeValue::String(s) => {
            let short: String = s.chars().take(40).collect();
            let more = if short.len() < s.len() { "…" } else { "" };
            format!("string \"{short}{more}\"")
        }
        DeValue::Integer(i) => format!("integer {i}"),
        DeValue::Float(f) => format!("float {f}"),
        DeValue::Boolean(b) => format!("boolean {b}"),
        DeValue::Datetime(d) => format!("datetime {d}"),
        DeValue::Array(_) => "an array".into(),
        DeValue::Table(_) => "a table".into(),
    }
}

pub(crate) fn int_value(v: &DeValue<'_>) -> Option<i64> {
    match v {
        DeValue::Integer(i) => i64::from_str_radix(i.as_str(), i.radix()).ok(),
        _ => None,
    }
}

/// The tables of an array of tables (`[[steps]]`), each with its span.
pub(crate) fn tables<'a, 'i>(
    cx: &mut Cx,
    v: &'a Val<'i>,
    name: &str,
) -> Vec<(&'a DeTable<'i>, Span)> {
    let Some(items) = v.get_ref().as_array() else {
        let msg = format!(
            "expected an array of tables ([[{name}]]) for `{name}`, found {}",
            found(v.get_ref())
        );
        cx.error(v.span(), msg);
        return Vec::new();
    };
    let mut out = Vec::new();
    for item in items {
        match item.get_ref() {
            DeValue::Table(t) => out.push((t, item.span())),
            other => cx.error(
                item.span(),
                format!("expected a table in `{name}`, found {}", found(other)),
            ),
        }
    }
    out
}

/// A `kind` that is not one of the valid kinds (already reported).
pub(crate) struct UnknownKind;

/// A value that was present but wrong (already reported).
pub(crate) struct Invalid;
