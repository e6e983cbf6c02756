//! Pure data the screen reads, produced by the sources in `watch/` and `exec/`: live Docker
//! state, revisions and git facts, gate rows and log batches. No I/O here; `ui` reads these
//! types and never the I/O modules.

pub mod docker;
pub mod gates;
pub mod git;
pub mod logs;
pub mod revisions;
pub mod threshold;
pub mod trend;
