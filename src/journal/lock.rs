//! The single-operator lock `.flightdeck/lock`: who holds it, stale detection, take-over.

use std::io::{ErrorKind, Write};
use std::time::Duration;

use color_eyre::eyre::{Result, WrapErr, eyre};
use nix::errno::Errno;
use nix::sys::signal::kill;
use nix::unistd::Pid;
use serde::{Deserialize, Serialize};

use super::head::sync_parent;
use super::state_dir::StateDir;

/// Who holds the lock. Stored as JSON in the lock file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockInfo {
    pub operator: String,
    pub host: String,
    pub pid: u32,
    /// RFC 3339.
    pub started: String,
    pub release: Option<String>,
}

/// The outcome of [`acquire`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Acquire {
    /// The lock is ours now.
    Taken,
    /// Someone else holds it (or might: another host, or a live pid).
    HeldBy(LockInfo),
    /// Held by a dead process on this host: [`take_over`] after a confirmation.
    Stale(LockInfo),
}

impl LockInfo {
    /// This process, on this host, starting now.
    pub fn for_this_process(operator: &str, release: Option<&str>) -> Self {
        Self {
            operator: operator.to_owned(),
            host: hostname(),
            pid: std::process::id(),
            started: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            release: release.map(str::to_owned),
        }
    }

    /// "alice on host1 (pid 42) since 2026-11-25 06:10:00 UTC".
    pub fn describe(&self) -> String {
        let since = chrono::DateTime::parse_from_rfc3339(&self.started).map_or_else(
            |_| self.started.clone(),
            |t| {
                t.with_timezone(&chrono::Utc)
                    .format("%Y-%m-%d %H:%M:%S UTC")
                    .to_string()
            },
        );
        format!(
            "{} on {} (pid {}) since {since}",
            self.operator, self.host, self.pid
        )
    }

    fn is_ours(&self) -> bool {
        self.pid == std::process::id() && self.host == hostname()
    }
}

/// This machine's host name ("unknown-host" if it cannot be read).
pub fn hostname() -> String {
    nix::unistd::gethostname().map_or_else(
        |_| "unknown-host".to_owned(),
        |h| h.to_string_lossy().into_owned(),
    )
}

/// Whether `pid` names a live process (on this host). EPERM means alive but not ours.
fn pid_alive(pid: u32) -> bool {
    match i32::try_from(pid) {
        Ok(raw) if raw > 0 => !matches!(kill(Pid::from_raw(raw), None), Err(Errno::ESRCH)),
        _ => false,
    }
}

/// Tries to take the lock with an exclusive create.
pub fn acquire(dir: &StateDir, info: &LockInfo) -> Result<Acquire> {
    dir.ensure()?;
    let path = dir.lock_path();
    match dir.create_file(&path, true) {
        Ok(mut file) => {
            let json = serde_json::to_vec_pretty(info).wrap_err("cannot serialize the lock")?;
            file.write_all(&json)
                .and_then(|()| file.sync_all())
                .wrap_err_with(|| {
                    format!("cannot write lock {}; is the disk full?", path.display())
                })?;
            sync_parent(&path)?;
            return Ok(Acquire::Taken);
        }
        Err(e) if !path.exists() => return Err(e),
        Err(_) => {}
    }
    Ok(classify(read_holder(dir)?))
}

/// Held, or stale when it names a dead process of this host.
fn classify(holder: LockInfo) -> Acquire {
    if holder.host == hostname() && !pid_alive(holder.pid) {
        Acquire::Stale(holder)
    } else {
        Acquire::HeldBy(holder)
    }
}

/// Who holds the lock now, without taking it: [`Acquire::HeldBy`] or [`Acquire::Stale`], or
/// `None` when there is no lock file.
pub fn peek(dir: &StateDir) -> Result<Option<Acquire>> {
    if !dir.lock_path().exists() {
        return Ok(None);
    }
    let holder = match read_holder(dir) {
        Ok(h) => h,
        // Released between the two looks.
        Err(_) if !dir.lock_path().exists() => return Ok(None),
        Err(e) => return Err(e),
    };
    Ok(Some(classify(holder)))
}

/// Reads the lock file, retrying briefly in case its creator is still writing it.
fn read_holder(dir: &StateDir) -> Result<LockInfo> {
    let path = dir.lock_path();
    let mut last_err = String::new();
    for attempt in 0..5 {
        if attempt > 0 {
            std::thread::sleep(Duration::from_millis(20));
        }
        match std::fs::read(&path) {
            Ok(bytes) => match serde_json::from_slice::<LockInfo>(&bytes) {
                Ok(info) => return Ok(info),
                Err(e) => last_err = e.to_string(),
            },
            Err(e) => last_err = e.to_string(),
        }
    }
    Err(eyre!(
        "lock {} exists but cannot be read ({last_err}); if no flightdeck is running, remove it",
        path.display()
    ))
}

/// Replaces the lock with `info` atomically (temp file + rename), e.g. over a stale lock.
pub fn take_over(dir: &StateDir, info: &LockInfo) -> Result<()> {
    dir.ensure()?;
    let path = dir.lock_path();
    let tmp = path.with_file_name(format!("lock.tmp-{}", std::process::id()));
    let mut file = dir.create_file(&tmp, false)?;
    let json = serde_json::to_vec_pretty(info).wrap_err("cannot serialize the lock")?;
    file.write_all(&json)
        .and_then(|()| file.sync_all())
        .and_then(|()| std::fs::rename(&tmp, &path))
        .map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            eyre!("cannot take over lock {}: {e}", path.display())
        })?;
    sync_parent(&path)
}

/// Removes the lock if this process (same pid and host) holds it. Returns whether it did.
pub fn release(dir: &StateDir) -> Result<bool> {
    let path = dir.lock_path();
    let holder = match std::fs::read(&path) {
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(eyre!("cannot read lock {}: {e}", path.display())),
        Ok(bytes) => serde_json::from_slice::<LockInfo>(&bytes).ok(),
    };
    if !holder.is_some_and(|h| h.is_ours()) {
        return Ok(false);
    }
    std::fs::remove_file(&path)
        .wrap_err_with(|| format!("cannot remove lock {}; remove it by hand", path.display()))?;
    sync_parent(&path)?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn describe_formats_the_holder() {
        let info = LockInfo {
            operator: "alice".into(),
            host: "host1".into(),
            pid: 42,
            started: "2026-11-25T06:10:00Z".into(),
            release: None,
        };
        assert_eq!(
            info.describe(),
            "alice on host1 (pid 42) since 2026-11-25 06:10:00 UTC"
        );
    }

    #[test]
    fn this_process_is_alive_and_pid_zero_is_not() {
        assert!(pid_alive(std::process::id()));
        assert!(!pid_alive(0));
        assert!(!pid_alive(u32::MAX));
    }
}
