//! The report's "Approvals" section (DESIGN.md §9.2): each approval as
//! `bob (SHA256:…) ✔ signature verified` (or what failed), typed ones as
//! `alice (typed, unsigned)`, checked against the runbook's `allowed_signers`.

use std::fmt::Write as _;

use super::{Source, cell};
use crate::journal::verify_signatures::{Status, check};

/// The section, or nothing when the journal has no approvals.
pub fn section(src: &Source) -> String {
    let report = check(&src.records, &src.id, src.allowed_signers.as_deref());
    if report.approvals.is_empty() {
        return String::new();
    }
    let mut out = String::from("## Approvals\n\n");
    for a in &report.approvals {
        let _ = writeln!(out, "- `{}`: {}", a.step, cell(&a.label()));
    }
    let unchecked = report
        .approvals
        .iter()
        .any(|a| a.status == Status::Unchecked);
    if unchecked {
        out.push_str(
            "\nSignatures were not checked: no allowed_signers file was found (the runbook's `[trust] allowed_signers`).\n",
        );
    } else if let Some(p) = &report.signers
        && report.approvals.iter().any(|a| a.status != Status::Typed)
    {
        let _ = writeln!(out, "\nChecked against `{}`.", p.display());
    }
    out.push('\n');
    out
}
