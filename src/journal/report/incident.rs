//! The incident report, in seed 004's template, with the timeline filled in from the journal:
//! detection (a trigger trip or a failed step), each action, and the resolution.

use std::fmt::Write as _;

use super::{Source, outcome, timeline};

pub fn render(src: &Source) -> String {
    let st = &src.state;
    let entries = timeline(src);
    let detected = entries.iter().find(|e| e.role == "detection");
    let resolved = entries.iter().rev().find(|e| e.role == "resolution");
    let summary = detected.map_or_else(
        || {
            format!(
                "{} {} in {}: {}",
                st.name,
                st.version,
                st.environment,
                outcome(st)
            )
        },
        |d| {
            format!(
                "{} {} in {}: {}",
                st.name, st.version, st.environment, d.text
            )
        },
    );
    let date = st.started_at.map_or("YYYY-MM-DD".to_owned(), |t| {
        t.format("%Y-%m-%d").to_string()
    });
    let duration = match (detected, resolved) {
        (Some(d), Some(r)) => {
            let secs = (r.at - d.at).num_seconds().max(0);
            format!(
                "{}m {}s (detection to resolution, from the journal)",
                secs / 60,
                secs % 60
            )
        }
        _ => "X minutes".to_owned(),
    };
    let mut out = String::new();
    let _ = writeln!(out, "# INCIDENT-XXXX: {summary}\n");
    let _ = writeln!(out, "**Date**: {date}  ");
    let _ = writeln!(out, "**Severity**: [critical|high|medium|low]  ");
    let _ = writeln!(out, "**Duration**: {duration}  ");
    let _ = writeln!(out, "**Impact**: _Describe the user impact._\n");
    out.push_str("## Timeline\n");
    let mut any = false;
    for e in &entries {
        let label = match e.role {
            "detection" => "Event detected",
            "action" => "Action taken",
            "resolution" => "Resolution",
            _ => continue,
        };
        any = true;
        let _ = writeln!(
            out,
            "- {} - {label}: {} ({})",
            e.at.format("%H:%M"),
            e.text,
            e.operator
        );
    }
    if !any {
        out.push_str("- HH:MM - Event detected\n- HH:MM - Action taken\n- HH:MM - Resolution\n");
    }
    out.push_str("\n## Root Cause\n_Describe what went wrong._\n\n## Resolution\n");
    let target = st
        .rollback_target
        .clone()
        .unwrap_or_else(|| "(no target recorded)".into());
    match resolved {
        Some(r) => {
            let _ = writeln!(
                out,
                "{} at {} UTC. Rollback target: {target}.",
                r.text,
                r.at.format("%H:%M:%S")
            );
        }
        None => out.push_str("_Describe how it was fixed._\n"),
    }
    out.push_str("\n## Preventive Measures\n- [ ] Test added to catch this\n- [ ] Monitoring improved\n- [ ] Process updated\n\n");
    out.push_str("## Related\n- PR #XXX (fix)\n- ADR #XXX (if architecture change needed)\n");
    let _ = writeln!(
        out,
        "- Release journal: `{}`, final hash `{}`\n",
        src.id,
        src.final_hash.as_deref().unwrap_or("-")
    );
    out.push_str(&src.integrity());
    out
}
