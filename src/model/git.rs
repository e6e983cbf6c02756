//! Git facts the screen shows: HEAD, tags, `previous` and `lkg` (read by `watch::git`).

use chrono::{DateTime, Utc};

/// One tag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagInfo {
    pub name: String,
    /// Tagger time of an annotated tag, else the commit time.
    pub time: Option<DateTime<Utc>>,
    pub commit: String,
}

/// What the release needs from git.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GitInfo {
    pub head: Option<String>,
    pub short: Option<String>,
    /// HEAD's commit time.
    pub head_time: Option<DateTime<Utc>>,
    pub branch: Option<String>,
    /// The release tag pointing at HEAD, if any.
    pub current: Option<String>,
    pub previous: Option<String>,
    pub lkg: Option<String>,
    /// Every tag, newest first.
    pub tags: Vec<TagInfo>,
}
