//! The rollback-drill record: each rollback step with its duration, and the findings note,
//! for filing with the team's decisions (seeds 000 and 001).

use std::fmt::Write as _;

use super::{Source, cell, human_ms, outcome};
use crate::release::{Event, replay};

pub fn render(src: &Source) -> String {
    let st = &src.state;
    let mut out = String::new();
    let date = st
        .started_at
        .map_or("-".to_owned(), |t| t.format("%Y-%m-%d").to_string());
    let _ = writeln!(
        out,
        "# Rollback drill: {} {} in {} ({date})\n",
        st.name, st.version, st.environment
    );
    let _ = writeln!(out, "- Outcome: {}", outcome(st));
    let _ = writeln!(out, "- Operators: {}", src.people().join(", "));
    let _ = writeln!(
        out,
        "- Rollback target: {}\n",
        st.rollback_target.as_deref().unwrap_or("-")
    );
    out.push_str(
        "## Rollback steps\n\n| # | Step | Status | Duration |\n| --- | --- | --- | --- |\n",
    );
    let mut total = 0;
    for (i, s) in st.rollback_steps.iter().enumerate() {
        total += s.duration_ms.unwrap_or(0);
        let d = s.duration_ms.map(human_ms).unwrap_or_default();
        let _ = writeln!(
            out,
            "| {} | {} | {} {} | {d} |",
            i + 1,
            cell(&s.title),
            s.status.mark(),
            s.status.label()
        );
    }
    let _ = writeln!(out, "\nTotal rollback time: {}\n", human_ms(total));
    out.push_str("## Findings\n\n");
    let findings: Vec<String> = src
        .records
        .iter()
        .filter_map(|r| match replay::event_of(r) {
            Ok((
                Event::Note {
                    action: Some(a),
                    text,
                    ..
                },
                _,
            )) if a == "drill-findings" => Some(text),
            _ => None,
        })
        .collect();
    if findings.is_empty() {
        out.push_str("_No findings were recorded._\n\n");
    } else {
        for f in findings {
            let _ = writeln!(out, "{f}\n");
        }
    }
    out.push_str(&src.integrity());
    out
}
