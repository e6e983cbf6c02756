//! The demo's guide line: what to press next, at every point of the story. Pure.

use crate::release::{ReleaseOutcome, ReleasePhase, StepStatus};
use crate::ui::app::App;
use crate::ui::modal::Modal;

/// The guide for the cockpit as it stands.
pub fn next(app: &App) -> Option<String> {
    let st = app.release();
    if let Some(Modal::Evidence(_)) = app.modal()
        && st.armed.is_some()
    {
        return Some(
            "The trigger tripped: esc closes this prompt; then R, then y rolls back.".into(),
        );
    }
    if let Some(m) = app.modal() {
        return Some(
            match m {
                Modal::Evidence(e) if e.step == "announce" => {
                    "Type where you announced it (say #releases), then ⏎. The watch keeps running."
                }
                Modal::Evidence(_) => {
                    "Type a note such as QA-42 passed, then press ⏎ to record it as evidence."
                }
                Modal::Rollback(_) => {
                    "Cancel is the default: press y to confirm the rollback (⏎ or esc cancels)."
                }
                Modal::Quit(_) => "y quits (the journal keeps the release resumable); n stays.",
                Modal::Help(_) => "esc closes the help.",
                Modal::Chart(_) => {
                    "The trigger's values over the watch; the ─ line is its threshold. esc closes."
                }
                _ => "esc closes this prompt.",
            }
            .to_owned(),
        );
    }
    let text = match st.phase {
        ReleasePhase::NotStarted => "Starting…",
        ReleasePhase::Finished(ReleaseOutcome::RolledBack) => {
            "v1 is back and healthy; every step is in the journal. Press q to quit and get the report."
        }
        ReleasePhase::Finished(_) => "The release is finished. Press q to quit and get the report.",
        ReleasePhase::RollingBack => "Rolling back: stopping v2 and starting v1 again…",
        ReleasePhase::InProgress if st.armed.is_some() => {
            "The trigger tripped: g charts it; press R, then y to roll back."
        }
        ReleasePhase::InProgress => match st.running().or_else(|| st.current()) {
            Some((p, i)) => {
                let s = &st.list(p)[i];
                match (s.id.as_str(), &s.status) {
                    ("preflight", StepStatus::Pending) => {
                        "Welcome! v1 is live. Press ⏎ to run the preflight gates."
                    }
                    ("qa", StepStatus::Pending | StepStatus::Running) => {
                        "A manual step: press ⏎ and give its evidence."
                    }
                    ("deploy", StepStatus::Pending) => {
                        "Press ⏎ to deploy v2: it replaces v1 on the same port."
                    }
                    ("smoke", StepStatus::Pending) => {
                        "Press ⏎ to smoke-test v2 (health, and its version is 2.0.0)."
                    }
                    ("watch", StepStatus::Pending) => {
                        "Press ⏎ to watch v2's error rate for a minute, in the background."
                    }
                    ("watch", StepStatus::Running) => {
                        "Watching: v2 serves 20% errors; the trigger trips after 3s of failing."
                    }
                    ("announce", StepStatus::Pending) => {
                        "Watching v2 in the background (it trips after 3s): press ⏎ to announce v2."
                    }
                    (_, StepStatus::Running) => "Running… its output is in the log pane.",
                    (_, StepStatus::Failed(_)) => "That step failed: r retries it, R rolls back.",
                    _ => "Press ⏎ to run the next step.",
                }
            }
            None => "Press ⏎ to run the next step.",
        },
    };
    Some(text.to_owned())
}
