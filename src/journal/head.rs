//! The head file `<id>.head`: record count and last line hash, rewritten atomically per append.

use std::fs::{self, File};
use std::io::Write;
use std::path::Path;

use color_eyre::eyre::{Result, WrapErr, eyre};
use serde::{Deserialize, Serialize};

use super::state_dir::StateDir;

/// Content of the head file. With `count == 0`, `last_hash` is the release id's hash (what the
/// first record's `prev` must be) and `last_seq` is `null`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Head {
    pub count: u64,
    pub last_hash: String,
    pub last_seq: Option<u64>,
}

impl Head {
    /// The head after `count` records whose last line hashes to `last_hash`.
    pub fn new(count: u64, last_hash: String) -> Self {
        Self {
            count,
            last_hash,
            last_seq: count.checked_sub(1),
        }
    }

    /// Reads and parses a head file.
    pub fn read(path: &Path) -> Result<Head> {
        let text = fs::read_to_string(path)
            .wrap_err_with(|| format!("cannot read head file {}", path.display()))?;
        serde_json::from_str(&text)
            .map_err(|e| eyre!("head file {} is not valid ({e})", path.display()))
    }

    /// Writes `<head>.tmp`, fsyncs it, renames it over `path` and fsyncs the directory.
    /// On failure, the [`HeadError`] variant says whether the new head is already in place.
    pub fn write_atomic(&self, dir: &StateDir, path: &Path) -> std::result::Result<(), HeadError> {
        let tmp = path.with_extension("head.tmp");
        let before_rename = || -> Result<()> {
            let mut file = dir.create_file(&tmp, false)?;
            let json = serde_json::to_vec(self).wrap_err("cannot serialize the head")?;
            file.write_all(&json)
                .and_then(|()| file.sync_all())
                .wrap_err_with(|| format!("cannot write {}; is the disk full?", tmp.display()))?;
            fs::rename(&tmp, path).wrap_err_with(|| {
                format!("cannot rename {} over {}", tmp.display(), path.display())
            })
        };
        before_rename().map_err(|e| {
            let _ = fs::remove_file(&tmp);
            HeadError::NotWritten(e)
        })?;
        sync_parent(path).map_err(HeadError::DirNotSynced)
    }
}

/// Why a head write failed, and whether the new head is in place.
#[derive(Debug)]
pub enum HeadError {
    /// The old head file is untouched.
    NotWritten(color_eyre::Report),
    /// The new head is in place, but the directory fsync failed.
    DirNotSynced(color_eyre::Report),
}

impl HeadError {
    pub fn into_report(self) -> color_eyre::Report {
        match self {
            HeadError::NotWritten(e) | HeadError::DirNotSynced(e) => e,
        }
    }
}

/// fsyncs the directory that holds `path`, so a rename or create in it is durable.
pub fn sync_parent(path: &Path) -> Result<()> {
    let parent = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    File::open(parent)
        .and_then(|d| d.sync_all())
        .wrap_err_with(|| format!("cannot fsync directory {}", parent.display()))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn head_json_shape() {
        let head = Head::new(3, "ab".into());
        assert_eq!(
            serde_json::to_string(&head).unwrap(),
            r#"{"count":3,"last_hash":"ab","last_seq":2}"#
        );
        assert_eq!(Head::new(0, "x".into()).last_seq, None);
    }
}
