//! The state directory (`.flightdeck/`): layout, file modes, release ids and `latest`.

use std::fs::{self, File, OpenOptions};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use chrono::{DateTime, Utc};
use color_eyre::eyre::{Result, WrapErr, eyre};
use nix::unistd::{Gid, Group};

/// Extension of journal files.
pub const JOURNAL_EXT: &str = "jsonl";

/// Where flightdeck keeps journals and the lock. Private to the user by default; shared with
/// `shared_group` (group-writable, chgrp'd) when set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateDir {
    pub root: PathBuf,
    pub shared_group: Option<String>,
}

/// One release journal found in the state dir.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReleaseEntry {
    pub id: String,
    pub path: PathBuf,
    pub modified: SystemTime,
}

/// `<name>-<version>-<yyyymmddThhmmssZ>`; characters outside `[A-Za-z0-9._-]` become `_`.
pub fn release_id(name: &str, version: &str, started: DateTime<Utc>) -> String {
    format!(
        "{}-{}-{}",
        sanitize(name),
        sanitize(version),
        started.format("%Y%m%dT%H%M%SZ")
    )
}

fn sanitize(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

impl StateDir {
    /// A private state dir at `root`.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self {
            root: root.into(),
            shared_group: None,
        }
    }

    /// Mode for directories: 0700, or 0770 when shared.
    pub fn dir_mode(&self) -> u32 {
        if self.shared_group.is_some() {
            0o770
        } else {
            0o700
        }
    }

    /// Mode for files: 0600, or 0660 when shared.
    pub fn file_mode(&self) -> u32 {
        if self.shared_group.is_some() {
            0o660
        } else {
            0o600
        }
    }

    pub fn journal_dir(&self) -> PathBuf {
        self.root.join("journal")
    }

    pub fn journal_path(&self, id: &str) -> PathBuf {
        self.journal_dir().join(format!("{id}.{JOURNAL_EXT}"))
    }

    pub fn head_path(&self, id: &str) -> PathBuf {
        self.journal_dir().join(format!("{id}.head"))
    }

    pub fn lock_path(&self) -> PathBuf {
        self.root.join("lock")
    }

    /// Creates `root` and `root/journal` with the right mode (and group when shared).
    pub fn ensure(&self) -> Result<()> {
        let gid = self.group()?;
        for dir in [self.root.clone(), self.journal_dir()] {
            if !dir.is_dir() {
                fs::DirBuilder::new()
                    .recursive(true)
                    .mode(self.dir_mode())
                    .create(&dir)
                    .wrap_err_with(|| {
                        format!(
                            "cannot create state dir {}; check its parent's permissions",
                            dir.display()
                        )
                    })?;
            }
            self.fix_owner_and_mode(&dir, self.dir_mode(), gid)?;
        }
        Ok(())
    }

    /// Creates (or, unless `create_new`, truncates) a file with the state dir's mode and group.
    pub fn create_file(&self, path: &Path, create_new: bool) -> Result<File> {
        let gid = self.group()?;
        let mut opts = OpenOptions::new();
        opts.write(true).mode(self.file_mode());
        if create_new {
            opts.create_new(true);
        } else {
            opts.create(true).truncate(true);
        }
        let file = opts.open(path).wrap_err_with(|| {
            format!(
                "cannot create {}; check the state dir's permissions",
                path.display()
            )
        })?;
        self.fix_owner_and_mode(path, self.file_mode(), gid)?;
        Ok(file)
    }

    fn group(&self) -> Result<Option<Gid>> {
        let Some(name) = &self.shared_group else {
            return Ok(None);
        };
        match Group::from_name(name) {
            Ok(Some(group)) => Ok(Some(group.gid)),
            Ok(None) => Err(eyre!(
                "unknown group `{name}` for the shared state dir {}; create it or fix the setting",
                self.root.display()
            )),
            Err(e) => Err(eyre!("cannot look up group `{name}`: {e}")),
        }
    }

    /// Sets mode (ignoring the umask) and group, touching only what differs so a shared dir
    /// created by another operator is left alone when it is already right.
    fn fix_owner_and_mode(&self, path: &Path, mode: u32, gid: Option<Gid>) -> Result<()> {
        let meta =
            fs::metadata(path).wrap_err_with(|| format!("cannot stat {}", path.display()))?;
        if let Some(gid) = gid
            && meta.gid() != gid.as_raw()
        {
            nix::unistd::chown(path, None, Some(gid)).map_err(|e| {
                eyre!(
                    "cannot chgrp {} to `{}`: {e}; are you a member of that group?",
                    path.display(),
                    self.shared_group.as_deref().unwrap_or_default()
                )
            })?;
        }
        if meta.permissions().mode() & 0o7777 != mode {
            fs::set_permissions(path, fs::Permissions::from_mode(mode)).wrap_err_with(|| {
                format!(
                    "cannot chmod {} to {mode:o}; fix its owner or permissions",
                    path.display()
                )
            })?;
        }
        Ok(())
    }

    /// All release journals, newest first (by modification time, then id).
    pub fn list(&self) -> Result<Vec<ReleaseEntry>> {
        let dir = self.journal_dir();
        let iter = match fs::read_dir(&dir) {
            Ok(iter) => iter,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(eyre!("cannot list {}: {e}", dir.display())),
        };
        let mut entries = Vec::new();
        for entry in iter {
            let entry = entry.wrap_err_with(|| format!("cannot list {}", dir.display()))?;
            let path = entry.path();
            if path.extension().and_then(|e| e.to_str()) != Some(JOURNAL_EXT) {
                continue;
            }
            let Some(id) = path.file_stem().and_then(|s| s.to_str()).map(str::to_owned) else {
                continue;
            };
            let modified = entry
                .metadata()
                .and_then(|m| m.modified())
                .wrap_err_with(|| format!("cannot stat {}", path.display()))?;
            entries.push(ReleaseEntry { id, path, modified });
        }
        entries.sort_by(|a, b| b.modified.cmp(&a.modified).then_with(|| b.id.cmp(&a.id)));
        Ok(entries)
    }

    /// The journal for a release id, `latest`, or a path to a `.jsonl` file.
    pub fn resolve(&self, id_or_latest: &str) -> Result<PathBuf> {
        if id_or_latest == "latest" {
            return self
                .list()?
                .into_iter()
                .next()
                .map(|e| e.path)
                .ok_or_else(|| {
                    eyre!(
                        "no releases in {}; run `flightdeck run` first",
                        self.journal_dir().display()
                    )
                });
        }
        let as_path = Path::new(id_or_latest);
        if id_or_latest.contains('/')
            || as_path.extension().and_then(|e| e.to_str()) == Some(JOURNAL_EXT)
        {
            if as_path.is_file() {
                return Ok(as_path.to_path_buf());
            }
            return Err(eyre!(
                "no journal file {}; check the path",
                as_path.display()
            ));
        }
        let path = self.journal_path(id_or_latest);
        if path.is_file() {
            Ok(path)
        } else {
            Err(eyre!(
                "no journal for release `{id_or_latest}` in {}; run `flightdeck journal list` to see the releases",
                self.journal_dir().display()
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn release_id_formats_and_sanitizes() {
        let t = Utc.with_ymd_and_hms(2026, 11, 25, 6, 10, 0).single();
        let t = t.unwrap_or_default();
        assert_eq!(
            release_id("shop api", "1.2.3+b/4", t),
            "shop_api-1.2.3_b_4-20261125T061000Z"
        );
        assert_eq!(release_id("a_b-c", "v2", t), "a_b-c-v2-20261125T061000Z");
    }

    #[test]
    fn paths_follow_the_layout() {
        let dir = StateDir::new("/x/.flightdeck");
        assert_eq!(
            dir.journal_path("r"),
            Path::new("/x/.flightdeck/journal/r.jsonl")
        );
        assert_eq!(
            dir.head_path("r"),
            Path::new("/x/.flightdeck/journal/r.head")
        );
        assert_eq!(dir.lock_path(), Path::new("/x/.flightdeck/lock"));
        assert_eq!((dir.dir_mode(), dir.file_mode()), (0o700, 0o600));
    }
}
