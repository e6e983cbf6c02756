//! Span-aware, typed access to the fields of one TOML table: every getter records the field
//! as known, reports a wrong type at the value, and `finish` reports the unknown fields.

use std::collections::BTreeMap;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::cx::Cx;
use super::value::{DURATION, Str, Val, found, int_value};
use crate::runbook::diag::hint;
use crate::runbook::duration::{self, DurationError};
use crate::runbook::schema::{Dur, Span, Tpl};

pub(crate) struct Fields<'a, 'i> {
    table: &'a DeTable<'i>,
    span: Span,
    /// What the table is, for messages: "gate `health`", "[release]".
    pub what: String,
    noun: &'static str,
    known: Vec<&'static str>,
}

impl<'a, 'i> Fields<'a, 'i> {
    pub fn new(table: &'a DeTable<'i>, span: Span, what: impl Into<String>) -> Self {
        Self {
            table,
            span,
            what: what.into(),
            noun: "field",
            known: Vec::new(),
        }
    }

    /// The top level: unknown keys are "unknown top-level key `x`".
    pub fn top(table: &'a DeTable<'i>) -> Self {
        Self {
            table,
            span: 0..0,
            what: String::new(),
            noun: "top-level key",
            known: Vec::new(),
        }
    }

    /// A value that must be a table; otherwise a type error naming `expected`.
    pub fn of(
        cx: &mut Cx,
        v: &'a Val<'i>,
        what: impl Into<String>,
        expected: &str,
    ) -> Option<Self> {
        match v.get_ref() {
            DeValue::Table(t) => Some(Self::new(t, v.span(), what)),
            other => {
                cx.error(
                    v.span(),
                    format!("expected {expected}, found {}", found(other)),
                );
                None
            }
        }
    }

    pub fn get(&mut self, key: &'static str) -> Option<&'a Val<'i>> {
        self.known.push(key);
        self.table.get(key)
    }

    pub fn has(&self, key: &str) -> bool {
        self.table.contains_key(key)
    }

    pub fn table_span(&self) -> Span {
        self.span.clone()
    }

    /// Where a missing field is reported: the `kind` value, else the `id` value, else the `name`
    /// value, else the first key, else (an empty table) the table itself.
    pub fn anchor(&self) -> Span {
        for key in ["kind", "id", "name"] {
            if let Some(v) = self.table.get(key) {
                return v.span();
            }
        }
        self.table
            .keys()
            .map(Spanned::span)
            .min_by_key(|s| s.start)
            .unwrap_or(self.span.clone())
    }

    pub fn missing(&self, cx: &mut Cx, key: &str, expected: &str) {
        let msg = format!(
            "missing field `{key}` in {}; expected {expected}",
            self.what
        );
        cx.error(self.anchor(), msg);
    }

    fn type_error(&self, cx: &mut Cx, key: &str, v: &Val<'_>, expected: &str) {
        let msg = format!(
            "expected {expected} for `{key}` in {}, found {}",
            self.what,
            found(v.get_ref())
        );
        cx.error(v.span(), msg);
    }

    /// Report every field no getter asked for.
    pub fn finish(self, cx: &mut Cx) {
        let mut known: Vec<&str> = Vec::new();
        for k in &self.known {
            if !known.contains(k) {
                known.push(k);
            }
        }
        for (key, _) in self.table {
            let name: &str = key.get_ref();
            if known.contains(&name) {
                continue;
            }
            let candidates = known.iter().copied();
            let hint = hint(name, candidates, "expected one of");
            let place = if self.what.is_empty() {
                String::new()
            } else {
                format!(" in {}", self.what)
            };
            cx.error(
                key.span(),
                format!("unknown {} `{name}`{place}{hint}", self.noun),
            );
        }
    }

    pub fn string(&mut self, cx: &mut Cx, key: &'static str) -> Option<Str> {
        let v = self.get(key)?;
        if let DeValue::String(s) = v.get_ref() {
            return Some(Spanned::new(v.span(), s.to_string()));
        }
        self.type_error(cx, key, v, "a string");
        None
    }

    /// A required string; a missing one is reported at [`Fields::anchor`].
    pub fn req_string(&mut self, cx: &mut Cx, key: &'static str, expected: &str) -> Option<Str> {
        if !self.has(key) {
            self.get(key);
            self.missing(cx, key, expected);
            return None;
        }
        self.string(cx, key)
    }

    pub fn bool(&mut self, cx: &mut Cx, key: &'static str) -> Option<bool> {
        let v = self.get(key)?;
        if let Some(b) = v.get_ref().as_bool() {
            return Some(b);
        }
        self.type_error(cx, key, v, "true or false");
        None
    }

    /// A non-negative integer that fits `T`.
    pub fn uint<T: TryFrom<i64>>(&mut self, cx: &mut Cx, key: &'static str) -> Option<T> {
        let v = self.get(key)?;
        if let Some(n) = int_value(v.get_ref()).and_then(|n| T::try_from(n).ok()) {
            return Some(n);
        }
        let expected = if v.get_ref().is_integer() {
            "a smaller non-negative integer"
        } else {
            "a non-negative integer"
        };
        self.type_error(cx, key, v, expected);
        None
    }

    pub fn tpl(&mut self, cx: &mut Cx, key: &'static str) -> Option<Tpl> {
        self.tpl_as(cx, key, false)
    }

    /// A template whose text reaches a shell.
    pub fn shell_tpl(&mut self, cx: &mut Cx, key: &'static str) -> Option<Tpl> {
        self.tpl_as(cx, key, true)
    }

    fn tpl_as(&mut self, cx: &mut Cx, key: &'static str, shell: bool) -> Option<Tpl> {
        let s = self.string(cx, key)?;
        let what = format!("`{key}` of {}", self.what);
        cx.use_template(s.get_ref(), s.span(), shell, what);
        Some(Tpl::new(s.get_ref().clone(), s.span()))
    }

    pub fn req_tpl(&mut self, cx: &mut Cx, key: &'static str, expected: &str) -> Option<Tpl> {
        if !self.has(key) {
            self.get(key);
            self.missing(cx, key, expected);
            return None;
        }
        self.tpl(cx, key)
    }

    pub fn dur(&mut self, cx: &mut Cx, key: &'static str) -> Option<Dur> {
        let v = self.get(key)?;
        let Some(s) = v.get_ref().as_str() else {
            self.type_error(cx, key, v, DURATION);
            return None;
        };
        if s.contains("{{") || s.contains("{%") {
            let what = format!("`{key}` of {}", self.what);
            cx.use_template(s, v.span(), false, what);
            return Some(Dur::Template(Tpl::new(s, v.span())));
        }
        match duration::parse(s) {
            Ok(d) => return Some(Dur::Fixed(d)),
            Err(DurationError::TooLong) => {
                let msg = format!(
                    "`{key}` in {} is {}; {}",
                    self.what,
                    s.trim(),
                    DurationError::TooLong
                );
                cx.error(v.span(), msg);
            }
            Err(DurationError::Invalid) => self.type_error(cx, key, v, DURATION),
        }
        None
    }

    /// An array of strings, each with its span.
    pub fn strings(&mut self, cx: &mut Cx, key: &'static str) -> Option<Vec<Str>> {
        let v = self.get(key)?;
        let Some(items) = v.get_ref().as_array() else {
            self.type_error(cx, key, v, "an array of strings");
            return None;
        };
        let mut out = Vec::new();
        for item in items {
            match item.get_ref().as_str() {
                Some(s) => out.push(Spanned::new(item.span(), s.to_string())),
                None => self.type_error(cx, key, item, "a string in the array"),
            }
        }
        Some(out)
    }

    /// A nested table (`retry = { … }`, `[steps.capture]`).
    pub fn table(&mut self, cx: &mut Cx, key: &'static str) -> Option<Fields<'a, 'i>> {
        let v = self.get(key)?;
        if let DeValue::Table(t) = v.get_ref() {
            return Some(Fields::new(
                t,
                v.span(),
                format!("`{key}` of {}", self.what),
            ));
        }
        self.type_error(cx, key, v, "a table");
        None
    }

    /// A table of free-form string keys to templates (`env`, `headers`).
    pub fn tpl_map(&mut self, cx: &mut Cx, key: &'static str) -> BTreeMap<String, Tpl> {
        self.map_of_tpls(cx, key, false)
    }

    /// Like [`Fields::tpl_map`], for environment variables: each key must be a valid name.
    pub fn env_map(&mut self, cx: &mut Cx, key: &'static str) -> BTreeMap<String, Tpl> {
        self.map_of_tpls(cx, key, true)
    }

    fn map_of_tpls(&mut self, cx: &mut Cx, key: &'static str, env: bool) -> BTreeMap<String, Tpl> {
        let mut out = BTreeMap::new();
        let Some(v) = self.get(key) else { return out };
        let Some(t) = v.get_ref().as_table() else {
            self.type_error(cx, key, v, "a table of strings");
            return out;
        };
        for (k, item) in t {
            if env && !super::checks::is_env_name(k.get_ref()) {
                let msg = format!(
                    "invalid environment variable name `{}` in `{key}` of {}; use letters, digits and `_`, not starting with a digit",
                    k.get_ref(),
                    self.what
                );
                cx.error(k.span(), msg);
            }
            match item.get_ref().as_str() {
                Some(s) => {
                    let what = format!("`{key}.{}` of {}", k.get_ref(), self.what);
                    cx.use_template(s, item.span(), false, what);
                    out.insert(k.get_ref().to_string(), Tpl::new(s, item.span()));
                }
                None => self.type_error(cx, &format!("{key}.{}", k.get_ref()), item, "a string"),
            }
        }
        out
    }

    /// The entries of a free-form table, in source order.
    pub fn entries(&self) -> Vec<(Str, &'a Val<'i>)> {
        let mut v: Vec<_> = self
            .table
            .iter()
            .map(|(k, v)| (Spanned::new(k.span(), k.get_ref().to_string()), v))
            .collect();
        v.sort_by_key(|(k, _)| k.span().start);
        v
    }
}
