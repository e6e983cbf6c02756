//! The audit journal: an append-only, hash-chained, fsynced JSONL file per release (DESIGN §5).
//!
//! - [`record`]: the record shape and its kinds.
//! - [`hash`]: SHA-256 or HMAC-SHA256 chain hashes.
//! - [`state_dir`]: the `.flightdeck` directory, file modes, release ids, `latest`.
//! - [`writer`] and [`head`]: append + fsync + atomic head file; resume after a torn write.
//! - [`committer`]: the `journal` thread that owns the writer and group-commits queued entries.
//! - [`batch`]: pure batching of step output into `output` records.
//! - [`reader`] and [`verify`](mod@verify): reading back, torn-tail detection, tamper detection.
//! - [`lock`]: the single-operator lock file.
//! - [`cli`]: `journal list | show | verify` for the binary.
//! - [`report`]: the release-evidence, incident and drill reports.

pub mod batch;
pub mod cli;
pub mod committer;
pub mod hash;
pub mod head;
pub mod lock;
pub mod reader;
pub mod record;
pub mod report;
pub mod state_dir;
pub mod verify;
pub mod verify_anchors;
pub mod verify_seals;
pub mod verify_signatures;
pub mod writer;

pub use batch::OutputBatcher;
pub use committer::{Ack, Committer};
pub use hash::Hasher;
pub use head::Head;
pub use lock::{Acquire, LockInfo};
pub use reader::{ReadOutcome, TornTail, read};
pub use record::{Kind, Record};
pub use state_dir::{ReleaseEntry, StateDir, release_id};
pub use verify::{Problem, TrustCheck, VerifyReport, verify, verify_all, verify_with};
pub use writer::{Entry, Writer};
