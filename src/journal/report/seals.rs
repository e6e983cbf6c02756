//! The seals and anchors of a release, for the reports (DESIGN.md §9.2–9.3).

/// One `anchor` record as a line: the ref, the records it covers, where it went.
pub fn anchor_line(
    refname: &str,
    count: u64,
    remote: Option<&str>,
    pushed: bool,
    error: Option<&str>,
) -> String {
    match (remote, pushed, error) {
        (_, _, Some(e)) if remote.is_none() || !pushed => {
            format!("anchor {refname} at {count} records failed: {e}")
        }
        (Some(r), true, _) => format!("anchor {refname} at {count} records, pushed to {r}"),
        (Some(r), false, _) => format!("anchor {refname} at {count} records, not pushed to {r}"),
        (None, _, _) => format!("anchor {refname} at {count} records (local)"),
    }
}
