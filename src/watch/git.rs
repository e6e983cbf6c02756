//! Git facts for a release (git2): HEAD, tags with dates, `previous` by semver (passing over
//! tags the caller skips), `lkg` by date.

use std::path::Path;

use chrono::{DateTime, TimeZone, Utc};
use color_eyre::eyre::{Result, WrapErr, eyre};
use globset::{Glob, GlobSet, GlobSetBuilder};

pub use crate::model::git::{GitInfo, TagInfo};

/// The literal prefix of a glob, e.g. `v` for `v*`.
pub fn literal_prefix(glob: &str) -> &str {
    let end = glob.find(['*', '?', '[', '{']).unwrap_or(glob.len());
    &glob[..end]
}

/// A tag's version: the tag minus the glob's literal prefix (and any leading `v`).
pub fn tag_version<'a>(tag: &'a str, glob: &str) -> &'a str {
    let t = tag.strip_prefix(literal_prefix(glob)).unwrap_or(tag);
    t.strip_prefix('v').unwrap_or(t)
}

fn parse_semver(s: &str) -> Option<semver::Version> {
    semver::Version::parse(s.strip_prefix('v').unwrap_or(s)).ok()
}

fn globset(patterns: &[String]) -> Result<GlobSet> {
    let mut b = GlobSetBuilder::new();
    for p in patterns {
        b.add(Glob::new(p).wrap_err_with(|| format!("bad tag glob `{p}`"))?);
    }
    Ok(b.build()?)
}

/// The tag of `tags` just below `version` whose name `skip` does not reject: by semver when
/// both parse, else by tag date. See [`previous_candidates`].
pub fn previous_tag(
    tags: &[TagInfo],
    glob: &str,
    version: &str,
    skip: &dyn Fn(&str) -> bool,
) -> Option<String> {
    previous_candidates(tags, glob, version)
        .into_iter()
        .find(|t| !skip(t))
}

/// The tags that could be `previous` for `version`, best first. When the version and some
/// matching tags below it parse as semver: those, highest first. Otherwise (not semver): the
/// other matching tags no newer than the version's own tag (all of them when it has none),
/// newest first.
pub fn previous_candidates(tags: &[TagInfo], glob: &str, version: &str) -> Vec<String> {
    let Ok(set) = globset(&[glob.to_owned()]) else {
        return Vec::new();
    };
    // Reversed, so that among equals the tag listed last comes first (as `max_by` picked it).
    let mine: Vec<&TagInfo> = tags
        .iter()
        .rev()
        .filter(|t| set.is_match(&t.name))
        .collect();
    if let Some(v) = parse_semver(version) {
        let mut below: Vec<(semver::Version, &TagInfo)> = mine
            .iter()
            .filter_map(|t| parse_semver(tag_version(&t.name, glob)).map(|sv| (sv, *t)))
            .filter(|(sv, _)| *sv < v)
            .collect();
        if !below.is_empty() {
            below.sort_by(|a, b| b.0.cmp(&a.0));
            return below.into_iter().map(|(_, t)| t.name.clone()).collect();
        }
    }
    let own = mine
        .iter()
        .rev()
        .find(|t| tag_version(&t.name, glob) == version);
    let mut older: Vec<&TagInfo> = mine
        .iter()
        .filter(|t| tag_version(&t.name, glob) != version)
        .filter(|t| match (own.and_then(|o| o.time), t.time) {
            (Some(o), Some(tt)) => tt <= o,
            _ => true,
        })
        .copied()
        .collect();
    older.sort_by_key(|t| std::cmp::Reverse(t.time));
    older.into_iter().map(|t| t.name.clone()).collect()
}

/// The most recently created tag matching any of `globs`; ties go to the higher version.
pub fn lkg_tag(tags: &[TagInfo], globs: &[String]) -> Option<String> {
    let set = globset(globs).ok()?;
    tags.iter()
        .filter(|t| set.is_match(&t.name))
        .max_by(|a, b| {
            a.time.cmp(&b.time).then_with(|| {
                let va = a.name.split_once('-').and_then(|(_, v)| parse_semver(v));
                let vb = b.name.split_once('-').and_then(|(_, v)| parse_semver(v));
                va.cmp(&vb)
            })
        })
        .map(|t| t.name.clone())
}

fn to_time(t: git2::Time) -> Option<DateTime<Utc>> {
    Utc.timestamp_opt(t.seconds(), 0).single()
}

/// Read HEAD and every tag of the repository at `path`.
pub fn read(path: &Path) -> Result<(git2::Repository, GitInfo)> {
    let repo = git2::Repository::discover(path).map_err(|e| {
        eyre!(
            "{} is not a git repository: {}",
            path.display(),
            e.message()
        )
    })?;
    let mut info = GitInfo::default();
    if let Ok(head) = repo.head() {
        info.branch = head
            .shorthand()
            .ok()
            .map(str::to_string)
            .filter(|b| b != "HEAD");
        if let Ok(c) = head.peel_to_commit() {
            let id = c.id().to_string();
            info.short = Some(id.chars().take(7).collect());
            info.head_time = to_time(c.time());
            info.head = Some(id);
        }
    }
    let names = repo.tag_names(None)?;
    for name in names.iter().flatten().flatten() {
        let Ok(obj) = repo.revparse_single(&format!("refs/tags/{name}")) else {
            continue;
        };
        let time = match obj.as_tag() {
            Some(tag) => tag.tagger().map(|s| s.when()).and_then(to_time),
            None => None,
        };
        let Ok(commit) = obj.peel_to_commit() else {
            continue;
        };
        info.tags.push(TagInfo {
            name: name.to_owned(),
            time: time.or_else(|| to_time(commit.time())),
            commit: commit.id().to_string(),
        });
    }
    info.tags
        .sort_by(|a, b| b.time.cmp(&a.time).then_with(|| b.name.cmp(&a.name)));
    Ok((repo, info))
}

/// Everything for a release of `version`, with `release_tags` and `lkg_tags` globs. `previous`
/// passes over the release tags `skip` rejects (those rolled back: `exec::rolled_back`).
pub fn info(
    path: &Path,
    release_tags: &str,
    lkg_tags: &[String],
    version: &str,
    skip: &dyn Fn(&str) -> bool,
) -> Result<GitInfo> {
    let (_repo, mut info) = read(path)?;
    let set = globset(&[release_tags.to_owned()])?;
    info.current = info
        .tags
        .iter()
        .find(|t| Some(&t.commit) == info.head.as_ref() && set.is_match(&t.name))
        .map(|t| t.name.clone());
    info.previous = previous_tag(&info.tags, release_tags, version, skip);
    info.lkg = lkg_tag(&info.tags, lkg_tags);
    Ok(info)
}

impl GitInfo {
    /// The date of the tag `name`, if it is one.
    pub fn tag_time(&self, name: &str) -> Option<DateTime<Utc>> {
        self.tags
            .iter()
            .find(|t| t.name == name)
            .and_then(|t| t.time)
    }
}

/// `git describe --tags` of HEAD.
pub fn describe(path: &Path) -> Result<String> {
    let repo = git2::Repository::discover(path).map_err(|e| {
        eyre!(
            "{} is not a git repository: {}",
            path.display(),
            e.message()
        )
    })?;
    let mut opts = git2::DescribeOptions::new();
    opts.describe_tags();
    let d = repo
        .describe(&opts)
        .map_err(|e| eyre!("git describe in {}: {}", path.display(), e.message()))?;
    Ok(d.format(None)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tag(name: &str, secs: i64) -> TagInfo {
        TagInfo {
            name: name.into(),
            time: Utc.timestamp_opt(1_700_000_000 + secs, 0).single(),
            commit: String::new(),
        }
    }

    #[test]
    fn previous_is_by_semver_not_by_string() {
        let tags = [
            tag("v1.2.0", 1),
            tag("v1.9.0", 2),
            tag("v1.10.0", 3),
            tag("v2.0.0", 4),
        ];
        assert_eq!(
            previous_tag(&tags, "v*", "1.10.0", &|_| false).as_deref(),
            Some("v1.9.0")
        );
        assert_eq!(
            previous_tag(&tags, "v*", "2.0.0", &|_| false).as_deref(),
            Some("v1.10.0")
        );
        assert_eq!(previous_tag(&tags, "v*", "1.2.0", &|_| false), None);
    }

    #[test]
    fn previous_falls_back_to_dates_for_non_semver() {
        let tags = [
            tag("v2024.05.01-1", 1),
            tag("v2024.05.20-1", 2),
            tag("v2024.06.02-1", 3),
        ];
        assert_eq!(
            previous_tag(&tags, "v*", "2024.06.02-1", &|_| false).as_deref(),
            Some("v2024.05.20-1")
        );
    }

    #[test]
    fn previous_passes_over_skipped_semver_tags() {
        let tags = [
            tag("v1.0.0", 1),
            tag("v1.1.0", 2),
            tag("v1.2.0", 3),
            tag("v1.10.0", 4),
        ];
        let skip = |t: &str| t == "v1.2.0" || t == "v1.1.0";
        assert_eq!(
            previous_tag(&tags, "v*", "1.10.0", &skip).as_deref(),
            Some("v1.0.0"),
            "both rolled-back tags below 1.10.0 are passed over"
        );
        assert_eq!(
            previous_tag(&tags, "v*", "1.2.0", &skip).as_deref(),
            Some("v1.0.0")
        );
        // Only tags below the version are candidates, so skipping the one above changes nothing.
        let skip_top = |t: &str| t == "v1.10.0";
        assert_eq!(
            previous_tag(&tags, "v*", "1.10.0", &skip_top).as_deref(),
            Some("v1.2.0")
        );
        assert_eq!(
            previous_candidates(&tags, "v*", "1.10.0"),
            ["v1.2.0", "v1.1.0", "v1.0.0"]
        );
        // Every tag below skipped: no previous (not a newer tag by date).
        let all = |_: &str| true;
        assert_eq!(previous_tag(&tags, "v*", "1.10.0", &all), None);
    }

    #[test]
    fn previous_passes_over_skipped_date_ordered_tags() {
        let tags = [
            tag("v2024.11.18-1", 1),
            tag("v2024.11.25-1", 2),
            tag("v2024.11.25-2", 3),
            tag("v2024.11.26-1", 4),
        ];
        let skip = |t: &str| t == "v2024.11.25-2";
        assert_eq!(
            previous_tag(&tags, "v*", "2024.11.26-1", &skip).as_deref(),
            Some("v2024.11.25-1")
        );
        assert_eq!(
            previous_tag(&tags, "v*", "2024.11.26-1", &|_| false).as_deref(),
            Some("v2024.11.25-2")
        );
        // Not tagged yet: every other tag is a candidate, newest first.
        assert_eq!(
            previous_candidates(&tags[..3], "v*", "2024.12.01-1"),
            ["v2024.11.25-2", "v2024.11.25-1", "v2024.11.18-1"]
        );
        assert_eq!(
            previous_tag(&tags[..3], "v*", "2024.12.01-1", &skip).as_deref(),
            Some("v2024.11.25-1")
        );
    }

    #[test]
    fn lkg_is_the_newest_matching_tag_with_version_tiebreak() {
        let tags = [tag("ga-1.9.0", 5), tag("rc-1.10.0", 5), tag("v1.10.0", 9)];
        let globs = vec!["ga-*".to_owned(), "rc-*".to_owned()];
        assert_eq!(lkg_tag(&tags, &globs).as_deref(), Some("rc-1.10.0"));
    }

    /// A repository with one commit per tag and annotated tags, each a minute apart, in order.
    fn repo_with_tags(dir: &Path, tags: &[&str]) {
        let repo = git2::Repository::init(dir).expect("init");
        let mut parent: Option<git2::Oid> = None;
        for (i, name) in tags.iter().enumerate() {
            let secs = 1_700_000_000 + 60 * i64::try_from(i).expect("small");
            let sig = git2::Signature::new("t", "t@example.com", &git2::Time::new(secs, 0))
                .expect("signature");
            let tree_id = {
                let mut index = repo.index().expect("index");
                std::fs::write(dir.join("VERSION"), name).expect("write");
                index.add_path(Path::new("VERSION")).expect("add");
                index.write_tree().expect("tree")
            };
            let tree = repo.find_tree(tree_id).expect("tree");
            let parents: Vec<git2::Commit<'_>> = parent
                .iter()
                .map(|p| repo.find_commit(*p).expect("parent"))
                .collect();
            let refs: Vec<&git2::Commit<'_>> = parents.iter().collect();
            let id = repo
                .commit(Some("HEAD"), &sig, &sig, name, &tree, &refs)
                .expect("commit");
            let obj = repo.find_object(id, None).expect("object");
            repo.tag(name, &obj, &sig, name, false).expect("tag");
            parent = Some(id);
        }
    }

    #[test]
    fn a_real_repository_gives_head_tags_previous_and_lkg() {
        let tmp = tempfile::tempdir().expect("tempdir");
        repo_with_tags(
            tmp.path(),
            &["v1.2.0", "v1.9.0", "ga-1.9.0", "v1.10.0", "rc-1.10.0"],
        );
        let lkg = vec!["ga-*".to_owned(), "rc-*".to_owned()];
        let i = info(tmp.path(), "v*", &lkg, "1.10.0", &|_| false).expect("reads");
        assert_eq!(i.previous.as_deref(), Some("v1.9.0"));
        assert_eq!(i.lkg.as_deref(), Some("rc-1.10.0"));
        // HEAD carries rc-1.10.0 only: no `v*` tag points at it.
        assert_eq!(i.current, None);
        assert_eq!(i.short.as_deref().map(str::len), Some(7));
        assert!(
            i.head
                .as_deref()
                .is_some_and(|h| h.starts_with(i.short.as_deref().unwrap()))
        );
        assert_eq!(i.head_time, Utc.timestamp_opt(1_700_000_240, 0).single());
        let names: Vec<&str> = i.tags.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(
            names,
            ["rc-1.10.0", "v1.10.0", "ga-1.9.0", "v1.9.0", "v1.2.0"],
            "newest first, by tagger date"
        );
        assert_eq!(
            i.tag_time("v1.9.0"),
            Utc.timestamp_opt(1_700_000_060, 0).single()
        );
        // On the commit tagged v1.10.0 (detached), that is the current tag.
        let repo = git2::Repository::open(tmp.path()).expect("open");
        let c = repo.revparse_single("v1.10.0^{commit}").expect("tag").id();
        repo.set_head_detached(c).expect("detach");
        let i = info(tmp.path(), "v*", &lkg, "1.10.0", &|_| false).expect("reads");
        assert_eq!(i.current.as_deref(), Some("v1.10.0"));
        assert_eq!(i.branch, None);
    }

    #[test]
    fn tag_version_strips_the_literal_prefix() {
        assert_eq!(tag_version("v1.9.0", "v*"), "1.9.0");
        assert_eq!(tag_version("release-1.9.0", "release-*"), "1.9.0");
        assert_eq!(literal_prefix("v*.*.*"), "v");
    }
}
