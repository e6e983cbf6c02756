//! How `flightdeck approve` learns what became of its file: file events on the journal and the
//! inbox wake it; it reads the journal for an `approval` record with its signature (recorded:
//! exit 0) or an `approval-refused` note naming its file (exit 4), for at most [`WAIT`].

use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant};

use super::approve::{Stop, inbox_dir, refused};
use crate::journal::StateDir;
use crate::release::{Event, replay};

/// How long `approve` waits for the release to record the approval.
pub const WAIT: Duration = Duration::from_secs(10);

/// Wait until the release's journal holds the approval signed with `signature` (exit 0), or
/// says it refused the file `name` (exit 4), or [`WAIT`] passes (exit 1). Woken by file events
/// on the journal and the inbox.
pub(super) fn wait_recorded(
    dir: &StateDir,
    id: &str,
    step: &str,
    signature: &str,
    name: &Path,
    out: &mut impl Write,
) -> Result<i32, Stop> {
    use notify::Watcher as _;
    let (tx, rx) = std::sync::mpsc::channel();
    let mut watcher = notify::recommended_watcher(move |_| {
        let _ = tx.send(());
    })
    .map_err(|e| Stop(1, format!("cannot watch the journal: {e}")))?;
    let _ = watcher.watch(&dir.journal_dir(), notify::RecursiveMode::NonRecursive);
    let _ = watcher.watch(&inbox_dir(dir), notify::RecursiveMode::Recursive);
    let deadline = Instant::now() + WAIT;
    let file = name.display().to_string();
    loop {
        if let Some(done) = recorded(dir, id, step, signature, &file) {
            return match done {
                Ok(line) => {
                    writeln!(out, "{line}").map_err(|e| Stop(1, e.to_string()))?;
                    Ok(0)
                }
                Err(why) => Err(refused(format!("the release did not accept it: {why}"))),
            };
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(Stop(
                1,
                format!(
                    "not picked up in {} s; the approval stays in the inbox ({})",
                    WAIT.as_secs(),
                    inbox_dir(dir).join(name).display()
                ),
            ));
        }
        let _ = rx.recv_timeout(left);
    }
}

/// `Ok(line)` when the journal records the approval, `Err(why)` when the release refused the
/// file, `None` while neither.
fn recorded(
    dir: &StateDir,
    id: &str,
    step: &str,
    signature: &str,
    file: &str,
) -> Option<Result<String, String>> {
    let read = crate::journal::read(&dir.journal_path(id)).ok()?;
    for r in &read.records {
        match replay::event_of(r) {
            Ok((
                Event::Approval {
                    signature: Some(s),
                    decision,
                    ..
                },
                _,
            )) if s == signature => {
                let st =
                    replay::from_records(&read.records[..=usize::try_from(r.seq).ok()?]).ok()?;
                let s = st
                    .steps
                    .iter()
                    .chain(&st.rollback_steps)
                    .find(|s| s.id == step)?;
                return Some(Ok(if decision.as_deref() == Some("reject") {
                    format!("recorded: rejection of `{step}`")
                } else {
                    format!(
                        "recorded: {}/{} approvals",
                        s.approvals.len(),
                        s.approvals_needed()
                    )
                }));
            }
            Ok((
                Event::Note {
                    action: Some(a),
                    text,
                    ..
                },
                _,
            )) if a == crate::driver::INBOX_REFUSED && text.contains(file) => {
                return Some(Err(text));
            }
            _ => {}
        }
    }
    None
}
