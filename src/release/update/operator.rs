//! The operator's commands on a blocked or unfinished release: retry, skip, mark done, abandon.

use super::{Out, Refusal};
use crate::release::event::{Event, ReleaseOutcome};
use crate::release::state::StepStatus;

/// `r`: retry the failed or interrupted step.
pub(super) fn retry(o: &mut Out<'_>) -> Result<(), Refusal> {
    o.require_active()?;
    o.require_idle()?;
    match o.st.current() {
        Some((p, i)) if o.st.list(p)[i].status.is_blocking() => o.start(p, i),
        Some((p, i)) => {
            return Err(Refusal(format!(
                "step `{}` has not failed; press Enter to run it",
                o.st.list(p)[i].id
            )));
        }
        None => return Err(Refusal("no step to retry".into())),
    }
    Ok(())
}

/// `s`: skip the current step, with a reason.
pub(super) fn skip(o: &mut Out<'_>, reason: String) -> Result<(), Refusal> {
    o.require_active()?;
    o.require_idle()?;
    if reason.trim().is_empty() {
        return Err(Refusal("a skip needs a reason".into()));
    }
    let (p, i) = o.st.current().ok_or(Refusal("no step to skip".into()))?;
    let step = o.st.list(p)[i].id.clone();
    o.emit(Event::Skip {
        step,
        phase: p,
        reason,
    });
    o.after_done(p);
    Ok(())
}

/// `m`: mark an interrupted step done, with a note.
pub(super) fn mark_done(o: &mut Out<'_>, note: String) -> Result<(), Refusal> {
    o.require_active()?;
    o.require_idle()?;
    let (p, i) =
        o.st.current()
            .ok_or(Refusal("no step to mark done".into()))?;
    if o.st.list(p)[i].status != StepStatus::Interrupted {
        return Err(Refusal(format!(
            "only an interrupted step can be marked done; `{}` is {}",
            o.st.list(p)[i].id,
            o.st.list(p)[i].status.label()
        )));
    }
    if note.trim().is_empty() {
        return Err(Refusal("marking a step done needs a note".into()));
    }
    let step = o.st.list(p)[i].id.clone();
    o.emit(Event::Note {
        step: Some(step),
        phase: Some(p),
        action: Some("mark-done".into()),
        text: note,
        extend_ms: None,
    });
    o.after_done(p);
    Ok(())
}

/// Abandon an unfinished release, with a note.
pub(super) fn abandon(o: &mut Out<'_>, note: String) -> Result<(), Refusal> {
    o.require_active()?;
    o.require_idle()?;
    super::background::stop_all(o, "the release was abandoned");
    o.emit(Event::Note {
        step: None,
        phase: None,
        action: Some("abandon".into()),
        text: note,
        extend_ms: None,
    });
    o.emit(Event::ReleaseFinished {
        outcome: ReleaseOutcome::Abandoned,
    });
    Ok(())
}
