//! The revisions model, pure: git facts, command-source rows and live versions, folded from
//! the owned [`RevisionsMsg`]s the revisions watcher sends. No I/O here.

use chrono::{DateTime, Utc};

use super::git::GitInfo;

/// One revision of a command source (a helm revision, an az revision, a Render deploy).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RevisionRow {
    pub id: String,
    pub status: Option<String>,
    pub at: Option<DateTime<Utc>>,
    pub description: Option<String>,
}

/// Statuses that mean "this revision is the one running now".
const RUNNING: &[&str] = &["deployed", "live", "active", "running", "current", "true"];

impl RevisionRow {
    /// Whether the status says this revision runs now (`deployed`, `live`, `active` …).
    pub fn is_running(&self) -> bool {
        self.status
            .as_deref()
            .is_some_and(|s| RUNNING.iter().any(|r| s.eq_ignore_ascii_case(r)))
    }
}

/// What a live version endpoint answered.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LiveVersion {
    pub version: String,
    pub sha: Option<String>,
}

impl LiveVersion {
    /// Whether the live version is the release version (a leading `v` is ignored).
    pub fn matches(&self, release_version: &str) -> bool {
        let strip = |s: &str| s.trim().trim_start_matches('v').to_owned();
        strip(&self.version) == strip(release_version)
    }
}

/// The latest reading of one `[[revisions]]` source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceData {
    /// Not read yet.
    Pending,
    /// A command source's rows, newest first.
    Rows(Vec<RevisionRow>),
    /// A version endpoint's answer.
    Live(LiveVersion),
    /// The command failed (exit status, bad JSON, timeout) or the endpoint did not answer.
    Error(String),
}

/// One `[[revisions]]` source and its latest reading.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceState {
    pub name: String,
    pub data: SourceData,
    /// When it was read.
    pub checked: Option<DateTime<Utc>>,
}

/// A message from the revisions watcher.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RevisionsMsg {
    /// Git was read again (or could not be).
    Git(Result<GitInfo, String>),
    /// A source was read again; replaces the source of that name.
    Source(SourceState),
}

/// Everything the revisions pane and the rollback picker show.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RevisionsModel {
    /// `None` without `[git]`.
    pub git: Option<Result<GitInfo, String>>,
    /// In runbook order.
    pub sources: Vec<SourceState>,
}

impl RevisionsModel {
    /// A model with `[git]` (when `git` is set) and the named sources, nothing read yet.
    pub fn new(git: Option<Result<GitInfo, String>>, names: &[String]) -> RevisionsModel {
        RevisionsModel {
            git,
            sources: names
                .iter()
                .map(|n| SourceState {
                    name: n.clone(),
                    data: SourceData::Pending,
                    checked: None,
                })
                .collect(),
        }
    }

    /// The git facts, when read successfully.
    pub fn git_info(&self) -> Option<&GitInfo> {
        self.git.as_ref().and_then(|g| g.as_ref().ok())
    }

    pub fn source(&self, name: &str) -> Option<&SourceState> {
        self.sources.iter().find(|s| s.name == name)
    }

    /// Fold one message in. Rows are kept newest first (undated rows last, in their order).
    pub fn apply(&mut self, msg: RevisionsMsg) {
        match msg {
            RevisionsMsg::Git(g) => {
                // A failed re-read keeps the last good facts, with the error beside them only
                // when there are none.
                if g.is_ok() || self.git_info().is_none() {
                    self.git = Some(g);
                }
            }
            RevisionsMsg::Source(mut s) => {
                if let SourceData::Rows(rows) = &mut s.data {
                    sort_newest_first(rows);
                }
                match self.sources.iter_mut().find(|x| x.name == s.name) {
                    Some(x) => *x = s,
                    None => self.sources.push(s),
                }
            }
        }
    }
}

impl RevisionsMsg {
    /// Apply `mask` to every text a source printed (secrets never reach the screen).
    pub fn mask(&mut self, mask: impl Fn(&mut String)) {
        let RevisionsMsg::Source(s) = self else {
            return;
        };
        match &mut s.data {
            SourceData::Rows(rows) => {
                for r in rows {
                    mask(&mut r.id);
                    r.status.iter_mut().for_each(&mask);
                    r.description.iter_mut().for_each(&mask);
                }
            }
            SourceData::Live(v) => {
                mask(&mut v.version);
                v.sha.iter_mut().for_each(&mask);
            }
            SourceData::Error(e) => mask(e),
            SourceData::Pending => {}
        }
    }
}

/// The order "newest first, undated last" (use with a stable sort).
pub fn newest_first(a: Option<DateTime<Utc>>, b: Option<DateTime<Utc>>) -> std::cmp::Ordering {
    match (a, b) {
        (Some(x), Some(y)) => y.cmp(&x),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => std::cmp::Ordering::Equal,
    }
}

/// Newest first; rows without a time keep their order after the dated ones.
pub fn sort_newest_first(rows: &mut [RevisionRow]) {
    rows.sort_by(|a, b| newest_first(a.at, b.at));
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn row(id: &str, secs: Option<i64>) -> RevisionRow {
        RevisionRow {
            id: id.into(),
            status: Some("superseded".into()),
            at: secs.and_then(|s| Utc.timestamp_opt(s, 0).single()),
            description: None,
        }
    }

    #[test]
    fn sources_replace_by_name_and_rows_sort_newest_first() {
        let mut m = RevisionsModel::new(None, &["helm".to_owned(), "live".to_owned()]);
        assert_eq!(m.sources[0].data, SourceData::Pending);
        m.apply(RevisionsMsg::Source(SourceState {
            name: "helm".into(),
            data: SourceData::Rows(vec![row("40", Some(1)), row("x", None), row("41", Some(2))]),
            checked: None,
        }));
        let SourceData::Rows(rows) = &m.sources[0].data else {
            panic!("rows")
        };
        let ids: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["41", "40", "x"]);
        m.apply(RevisionsMsg::Source(SourceState {
            name: "helm".into(),
            data: SourceData::Error("exit status 1".into()),
            checked: None,
        }));
        assert_eq!(m.sources.len(), 2);
        assert_eq!(m.sources[0].data, SourceData::Error("exit status 1".into()));
    }

    #[test]
    fn a_failed_git_reread_keeps_the_last_good_facts() {
        let mut m = RevisionsModel::new(Some(Err("not read yet".into())), &[]);
        m.apply(RevisionsMsg::Git(Ok(GitInfo {
            previous: Some("v1.9.0".into()),
            ..GitInfo::default()
        })));
        m.apply(RevisionsMsg::Git(Err("locked".into())));
        assert_eq!(
            m.git_info().and_then(|g| g.previous.as_deref()),
            Some("v1.9.0")
        );
    }

    #[test]
    fn running_statuses_and_version_matches() {
        let mut r = row("42", None);
        for s in ["deployed", "Live", "Running", "true"] {
            r.status = Some(s.into());
            assert!(r.is_running(), "{s}");
        }
        r.status = Some("superseded".into());
        assert!(!r.is_running());
        let live = LiveVersion {
            version: "v1.10.0".into(),
            sha: None,
        };
        assert!(live.matches("1.10.0"));
        assert!(!live.matches("1.9.0"));
    }
}
