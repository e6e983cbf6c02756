//! A real PostgreSQL for tests (Debian's `postgresql`): one cluster per test, made by `initdb` in
//! a temp dir owned by user `postgres` and started with `runuser -u postgres -- pg_ctl` (the
//! server refuses to run as root), listening on 127.0.0.1 and a free high port only, its unix
//! socket in the temp dir. The superuser `postgres` connects over that socket (trust); roles
//! made with [`Postgres::create_db`] log in over TCP on 127.0.0.1 with a password
//! (scram-sha-256). Dropping it stops the server (`pg_ctl stop -m immediate`).
//!
//! Use: `let Some(pg) = Postgres::start() else { return };` (a skip through `crate::skip` when
//! PostgreSQL, its clients, `runuser` or root are missing).

use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::skip::{self, Component};

/// The server binaries (`initdb`, `pg_ctl`) of the newest installed major version.
pub fn bin_dir() -> Option<PathBuf> {
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| {
            let e = e.ok()?;
            let major = e.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").exists().then_some((major, bin))
        })
        .collect();
    found.sort();
    found.pop().map(|(_, b)| b)
}

/// A running cluster; stopped on drop.
pub struct Postgres {
    dir: tempfile::TempDir,
    bin: PathBuf,
    pub port: u16,
}

impl Postgres {
    /// Start one, ready to accept connections; `None` after a skip.
    pub fn start() -> Option<Postgres> {
        if !skip::need(Component::Postgres) {
            return None;
        }
        let bin = bin_dir().expect("probed");
        let dir = tempfile::tempdir().expect("tempdir");
        // The server runs as `postgres`: it owns the dir (the temp dir's parent is /tmp).
        chown_postgres(dir.path());
        let data = dir.path().join("data");
        let out = as_postgres(
            Command::new(bin.join("initdb"))
                .arg("-D")
                .arg(&data)
                .args(["-U", "postgres", "-E", "UTF8", "--locale=C"])
                .args(["--auth-local=trust", "--auth-host=scram-sha-256", "-N"]),
        );
        assert!(out.0, "initdb: {}", out.1);
        let mut last = String::new();
        for _ in 0..5 {
            let port = crate::watch::free_port();
            match spawn(&bin, dir.path(), port) {
                Ok(()) => return Some(Postgres { dir, bin, port }),
                Err(why) => last = why,
            }
        }
        panic!("postgres did not start: {last}");
    }

    /// The cluster's directory (data, socket, log).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// The unix socket directory (for `psql -h`).
    pub fn socket_dir(&self) -> PathBuf {
        self.dir.path().join("sock")
    }

    /// What the server logged so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("postgres.log")).unwrap_or_default()
    }

    /// A role `user` with `password` (login over TCP on 127.0.0.1) owning a new database `db`.
    pub fn create_db(&self, db: &str, user: &str, password: &str) {
        self.psql(
            "postgres",
            &format!("create role \"{user}\" login password '{password}'"),
        );
        self.psql(
            "postgres",
            &format!("create database \"{db}\" owner \"{user}\""),
        );
    }

    /// `postgresql://user:password@127.0.0.1:PORT/db`.
    pub fn url(&self, db: &str, user: &str, password: &str) -> String {
        format!(
            "postgresql://{user}:{password}@127.0.0.1:{}/{db}",
            self.port
        )
    }

    /// Run `sql` in `db` as the superuser (over the socket); its unaligned, tuples-only output.
    /// Panics when psql fails.
    pub fn psql(&self, db: &str, sql: &str) -> String {
        let (ok, text) = self.try_psql(db, sql);
        assert!(ok, "psql {db} `{sql}`: {text}\n{}", self.log());
        text
    }

    /// [`Postgres::psql`] without the panic: (success, stdout or stderr).
    pub fn try_psql(&self, db: &str, sql: &str) -> (bool, String) {
        let o = Command::new("timeout")
            .args([
                "-k",
                "5",
                "30",
                "psql",
                "-X",
                "-q",
                "-v",
                "ON_ERROR_STOP=1",
                "-tA",
            ])
            .arg("-h")
            .arg(self.socket_dir())
            .args(["-p", &self.port.to_string(), "-U", "postgres", "-d", db])
            .args(["-c", sql])
            .stdin(Stdio::null())
            .output()
            .expect("psql runs");
        if o.status.success() {
            (true, String::from_utf8_lossy(&o.stdout).trim().to_owned())
        } else {
            (false, String::from_utf8_lossy(&o.stderr).into_owned())
        }
    }

    fn stop(&self) {
        let _ = as_postgres(
            Command::new(self.bin.join("pg_ctl"))
                .arg("-D")
                .arg(self.dir.path().join("data"))
                .args(["-w", "-t", "20", "-m", "immediate", "stop"]),
        );
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Start the server of the cluster in `dir` on `port`; Ok once it accepts connections.
fn spawn(bin: &Path, dir: &Path, port: u16) -> Result<(), String> {
    let sock = dir.join("sock");
    std::fs::create_dir_all(&sock).map_err(|e| e.to_string())?;
    chown_postgres(&sock);
    let opts = format!(
        "-c listen_addresses=127.0.0.1 -p {port} -c unix_socket_directories={} \
         -c fsync=off -c full_page_writes=off -c synchronous_commit=off \
         -c shared_buffers=16MB -c max_connections=30",
        sock.display()
    );
    let (ok, text) = as_postgres(
        Command::new(bin.join("pg_ctl"))
            .arg("-D")
            .arg(dir.join("data"))
            .arg("-l")
            .arg(dir.join("postgres.log"))
            .args(["-w", "-t", "30", "-o", &opts, "start"]),
    );
    if ok {
        Ok(())
    } else {
        let log = std::fs::read_to_string(dir.join("postgres.log")).unwrap_or_default();
        Err(format!("{text}\n{log}"))
    }
}

/// Run `cmd` as user `postgres` (`runuser`), bounded; (success, stdout + stderr).
fn as_postgres(cmd: &mut Command) -> (bool, String) {
    let mut c = Command::new("timeout");
    c.args(["-k", "5", "60", "runuser", "-u", "postgres", "--"])
        .arg(cmd.get_program())
        .args(cmd.get_args())
        .current_dir("/")
        .stdin(Stdio::null());
    let o = c.output().expect("runuser runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    (o.status.success(), text)
}

/// `chown postgres:postgres path`, mode 0700.
fn chown_postgres(path: &Path) {
    let user = nix::unistd::User::from_name("postgres")
        .expect("passwd")
        .expect("user postgres");
    nix::unistd::chown(path, Some(user.uid), Some(user.gid)).expect("chown postgres");
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o700)).expect("chmod");
}

#[test]
fn the_test_postgres_serves_a_password_role_on_127_0_0_1_only() {
    let Some(pg) = Postgres::start() else { return };
    pg.create_db("shop", "app", "app-pass-1");
    let url = pg.url("shop", "app", "app-pass-1");
    let o = Command::new("psql")
        .args([
            "-X",
            "-q",
            "-tA",
            &url,
            "-c",
            "create table t(v text); insert into t values ('x'); select v from t",
        ])
        .stdin(Stdio::null())
        .output()
        .expect("psql");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(String::from_utf8_lossy(&o.stdout).trim(), "x");
    // A wrong password is refused (scram over TCP, not trust).
    let bad = pg.url("shop", "app", "wrong");
    let o = Command::new("psql")
        .args(["-X", "-tA", &bad, "-c", "select 1"])
        .env("PGCONNECT_TIMEOUT", "5")
        .stdin(Stdio::null())
        .output()
        .expect("psql");
    assert!(!o.status.success());
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("password authentication failed"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(pg.psql("postgres", "show listen_addresses"), "127.0.0.1");
    let pid = std::fs::read_to_string(pg.dir().join("data/postmaster.pid")).expect("pid file");
    let pid: i32 = pid.lines().next().unwrap().parse().unwrap();
    drop(pg);
    // Gone, or a zombie nobody reaped yet (pg_ctl's child is reparented): not running.
    let state = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let state = state.rsplit(") ").next().unwrap_or("").chars().next();
    assert!(
        matches!(state, None | Some('Z' | 'X')),
        "the server stopped on drop: {state:?}"
    );
}
