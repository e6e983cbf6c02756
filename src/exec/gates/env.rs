//! `env` gates: every named variable (or every key of a `.env` template) is set and non-empty.
//!
//! Values are never read into messages: a failure names only the missing keys. The value is
//! the number of missing keys.

use std::collections::BTreeSet;

use serde_json::Value;

use super::{GateCx, GateOutcome};

/// The keys of a `.env` file: `KEY=…` or `export KEY=…` lines; comments and blanks skipped.
pub fn template_keys(text: &str) -> Vec<String> {
    let mut keys = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let line = line.strip_prefix("export ").unwrap_or(line).trim_start();
        let key = line.split_once('=').map_or(line, |(k, _)| k).trim();
        let valid = !key.is_empty()
            && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && !key.starts_with(|c: char| c.is_ascii_digit());
        if valid && !keys.iter().any(|k| k == key) {
            keys.push(key.to_owned());
        }
    }
    keys
}

pub fn evaluate(names: &[String], template: Option<&str>, cx: &GateCx) -> GateOutcome {
    let mut wanted: Vec<String> = names.to_vec();
    let mut from = String::new();
    if let Some(t) = template {
        let path = cx.path(t);
        match std::fs::read_to_string(&path) {
            Ok(text) => {
                for k in template_keys(&text) {
                    if !wanted.contains(&k) {
                        wanted.push(k);
                    }
                }
                from = format!(" (from {t})");
            }
            Err(e) => {
                return GateOutcome::error(format!(
                    "cannot read the env template {}: {e}",
                    path.display()
                ));
            }
        }
    }
    let missing: BTreeSet<&str> = wanted
        .iter()
        .filter(|k| cx.ctx.env.get(k.as_str()).is_none_or(String::is_empty))
        .map(String::as_str)
        .collect();
    let n = Value::from(missing.len());
    if missing.is_empty() {
        GateOutcome::pass(n, format!("all {} variables set{from}", wanted.len()))
    } else {
        let list: Vec<&str> = missing.into_iter().collect();
        GateOutcome::fail(
            n,
            format!(
                "{} of {} missing or empty{from}: {}",
                list.len(),
                wanted.len(),
                list.join(", ")
            ),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_keys_skip_comments_and_exports() {
        let text = "# db\nDATABASE_URL=\nexport JWT_SECRET=changeme\n\n  PORT = 80\nbad key=1\nDATABASE_URL=x\n";
        assert_eq!(template_keys(text), ["DATABASE_URL", "JWT_SECRET", "PORT"]);
    }
}
