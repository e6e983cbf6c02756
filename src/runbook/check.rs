//! `flightdeck check`: load a runbook statically and report every problem as
//! `FILE:LINE:COL: message`, or `ok: FILE — N steps, M gates, K rollback steps`.

use std::path::Path;

use super::diag::{self, Diagnostic};
use super::load::load_str;

/// What a valid runbook holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    pub steps: usize,
    pub gates: usize,
    pub rollback_steps: usize,
}

#[derive(Debug, Clone)]
pub struct CheckReport {
    /// The path as given.
    pub file: String,
    /// Present when the runbook is valid.
    pub summary: Option<Summary>,
    /// Errors and warnings, sorted by position.
    pub diagnostics: Vec<Diagnostic>,
    pub source: Option<String>,
    /// The file could not be read.
    pub io_error: Option<String>,
}

impl CheckReport {
    pub fn is_ok(&self) -> bool {
        self.summary.is_some()
    }

    /// Every diagnostic as `FILE:LINE:COL: message` (sorted by position), then, for a valid
    /// file, `ok: FILE — N steps, M gates, K rollback steps`.
    pub fn render_lines(&self) -> Vec<String> {
        if let Some(e) = &self.io_error {
            return vec![format!("{}: cannot read: {e}", self.file)];
        }
        let src = self.source.as_deref().unwrap_or_default();
        let mut diags = self.diagnostics.clone();
        diag::sort(&mut diags);
        let mut lines: Vec<String> = diags.iter().map(|d| d.render(&self.file, src)).collect();
        if let Some(s) = self.summary {
            lines.push(format!(
                "ok: {} — {}, {}, {}",
                self.file,
                plural(s.steps, "step"),
                plural(s.gates, "gate"),
                plural(s.rollback_steps, "rollback step")
            ));
        }
        lines
    }
}

/// `1 step`, `0 gates`, `3 attempts`: a count and its noun, in the singular only for one.
pub fn plural(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// Check one runbook file: static, no env, no other files, no git, no network.
pub fn check_file(path: &Path) -> CheckReport {
    let file = path.display().to_string();
    let src = match std::fs::read_to_string(path) {
        Ok(src) => src,
        Err(e) => {
            return CheckReport {
                file,
                summary: None,
                diagnostics: Vec::new(),
                source: None,
                io_error: Some(e.to_string()),
            };
        }
    };
    let (summary, diagnostics) = match load_str(&src, path) {
        Ok(loaded) => {
            let rb = &loaded.runbook;
            let summary = Summary {
                steps: rb.steps.len(),
                gates: rb.gates.len(),
                rollback_steps: rb.rollback.steps.len(),
            };
            (Some(summary), loaded.warnings)
        }
        Err(diagnostics) => (None, diagnostics),
    };
    CheckReport {
        file,
        summary,
        diagnostics,
        source: Some(src),
        io_error: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unreadable_file() {
        let r = check_file(Path::new("/nonexistent/flightdeck.toml"));
        assert!(!r.is_ok());
        let lines = r.render_lines();
        assert_eq!(lines.len(), 1);
        assert!(
            lines[0].starts_with("/nonexistent/flightdeck.toml: cannot read: "),
            "{lines:?}"
        );
    }

    #[test]
    fn plural_forms() {
        assert_eq!(plural(1, "step"), "1 step");
        assert_eq!(plural(0, "gate"), "0 gates");
    }
}
