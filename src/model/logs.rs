//! A batch of container log lines for one source, as the log streams send it.

use crate::logs::LogLine;

/// A batch of lines (or a skip marker) for one source, `service/container`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogMsg {
    pub source: String,
    pub lines: Vec<LogLine>,
}
