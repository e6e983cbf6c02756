//! Rebuilding a release's state from its journal records (what resume and `rollback` use).

use chrono::{DateTime, Utc};

use super::event::Event;
use super::state::ReleaseState;
use crate::journal::Record;

/// Decode one record into its event and time.
pub fn event_of(r: &Record) -> Result<(Event, DateTime<Utc>), String> {
    let at = DateTime::parse_from_rfc3339(&r.ts)
        .map_err(|e| format!("record {}: bad ts `{}`: {e}", r.seq, r.ts))?
        .with_timezone(&Utc);
    let ev = Event::from_parts(r.kind.as_str(), r.step.as_deref(), &r.data)
        .map_err(|e| format!("record {}: {e}", r.seq))?;
    Ok((ev, at))
}

/// The state the journal's records describe; a step left running is interrupted.
pub fn from_records(records: &[Record]) -> Result<ReleaseState, String> {
    let events = records
        .iter()
        .map(event_of)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(ReleaseState::replay(events.iter().map(|(e, at)| (e, *at))))
}
