//! A real OpenSSH server for tests (Debian's openssh-server): one per test, on 127.0.0.1 and a
//! free high port, key-only, with a host key and a client key made in a temp dir; it gives a
//! ready-made `ssh` command line (host key checked, no prompt) and a `GIT_SSH_COMMAND`.
//!
//! Use: `let Some(sshd) = Sshd::start() else { return };` (a skip through `crate::skip` when
//! sshd or root is missing). The server runs as root (`-D -e -f CONFIG`) and logs to
//! `sshd.log` in its dir; dropping it stops the server.

use std::io::{BufRead as _, BufReader};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::skip::{self, Component};

/// The sshd binary.
pub const SSHD: &str = "/usr/sbin/sshd";

/// A running sshd; stopped on drop.
pub struct Sshd {
    dir: tempfile::TempDir,
    pub port: u16,
    child: Child,
}

impl Sshd {
    /// Start one, ready to accept connections; `None` after a skip (no sshd, not root).
    pub fn start() -> Option<Sshd> {
        if !skip::need(Component::Sshd) {
            return None;
        }
        let dir = tempfile::tempdir().expect("tempdir");
        keygen(&dir.path().join("host_ed25519"));
        keygen(&dir.path().join("client_ed25519"));
        let client_pub = std::fs::read(dir.path().join("client_ed25519.pub")).expect("pub key");
        std::fs::write(dir.path().join("authorized_keys"), client_pub).expect("authorized_keys");
        // The privilege-separation directory Debian's sshd wants (its service makes it too).
        std::fs::create_dir_all("/run/sshd").expect("/run/sshd");
        let mut last = String::new();
        for _ in 0..5 {
            let port = free_port();
            match spawn(dir.path(), port) {
                Ok(child) => {
                    let s = Sshd { dir, port, child };
                    s.write_known_hosts();
                    return Some(s);
                }
                Err(why) => last = why,
            }
        }
        panic!("sshd did not start: {last}");
    }

    /// The server's directory (keys, config, log).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// The client's private key.
    pub fn key(&self) -> PathBuf {
        self.dir.path().join("client_ed25519")
    }

    /// The `known_hosts` file holding this server's host key (and nothing else).
    pub fn known_hosts(&self) -> PathBuf {
        self.dir.path().join("known_hosts")
    }

    /// `ssh` options without the port: key, `known_hosts`, strict host key checking, batch mode,
    /// no user or system config.
    pub fn options(&self) -> Vec<String> {
        self.options_with(&self.key())
    }

    /// [`Sshd::options`] with another client key.
    fn options_with(&self, key: &Path) -> Vec<String> {
        let mut v: Vec<String> = vec!["-F".into(), "/dev/null".into()];
        v.push("-i".into());
        v.push(key.display().to_string());
        for o in [
            format!("UserKnownHostsFile={}", self.known_hosts().display()),
            "GlobalKnownHostsFile=/dev/null".to_owned(),
            "StrictHostKeyChecking=yes".to_owned(),
            "BatchMode=yes".to_owned(),
            "IdentitiesOnly=yes".to_owned(),
            "ConnectTimeout=5".to_owned(),
        ] {
            v.push("-o".into());
            v.push(o);
        }
        v
    }

    /// The ready-made arguments: `-p PORT` and [`Sshd::options`].
    pub fn args(&self) -> Vec<String> {
        let mut v = vec!["-p".to_owned(), self.port.to_string()];
        v.extend(self.options());
        v
    }

    /// `ssh -p PORT -i KEY -o …` as one shell command line.
    pub fn command_line(&self) -> String {
        let mut v = vec!["ssh".to_owned()];
        v.extend(self.args());
        shlex::try_join(v.iter().map(String::as_str)).expect("no NUL")
    }

    /// A `GIT_SSH_COMMAND` (and `FLIGHTDECK_SSH_COMMAND`): `ssh` with [`Sshd::options`]; the
    /// port comes from the URL.
    pub fn git_ssh_command(&self) -> String {
        let mut v = vec!["ssh".to_owned()];
        v.extend(self.options());
        shlex::try_join(v.iter().map(String::as_str)).expect("no NUL")
    }

    /// `ssh://root@127.0.0.1:PORT` followed by `path` (absolute).
    pub fn url(&self, path: &Path) -> String {
        format!("ssh://root@127.0.0.1:{}{}", self.port, path.display())
    }

    /// An `ssh` command to root@127.0.0.1 running `remote`.
    pub fn ssh(&self, remote: &str) -> Command {
        let mut c = Command::new("ssh");
        c.args(self.args())
            .arg("root@127.0.0.1")
            .arg(remote)
            .stdin(Stdio::null());
        c
    }

    /// Stop the server (its keys and files stay until it is dropped).
    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// What sshd logged so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("sshd.log")).unwrap_or_default()
    }

    fn write_known_hosts(&self) {
        let host = std::fs::read_to_string(self.dir.path().join("host_ed25519.pub")).expect("pub");
        let mut fields = host.split_whitespace();
        let (kind, key) = (fields.next().expect("type"), fields.next().expect("key"));
        let line = format!("[127.0.0.1]:{} {kind} {key}\n", self.port);
        std::fs::write(self.known_hosts(), line).expect("known_hosts");
    }
}

impl Drop for Sshd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `ssh-keygen -t ed25519` without a passphrase into `path` (and `path.pub`).
fn keygen(path: &Path) {
    let o = Command::new("ssh-keygen")
        .args([
            "-q",
            "-t",
            "ed25519",
            "-N",
            "",
            "-C",
            "flightdeck-test",
            "-f",
        ])
        .arg(path)
        .stdin(Stdio::null())
        .output()
        .expect("ssh-keygen runs");
    assert!(
        o.status.success(),
        "ssh-keygen: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// A port that was free a moment ago (sshd is retried on another when it is taken).
fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr").port()
}

/// Write the config and start sshd on `port`; Ok once it sends its banner.
fn spawn(dir: &Path, port: u16) -> Result<Child, String> {
    let d = dir.display();
    let config = format!(
        "Port {port}\nListenAddress 127.0.0.1\nHostKey {d}/host_ed25519\n\
         AuthorizedKeysFile {d}/authorized_keys\nPidFile {d}/sshd.pid\n\
         PasswordAuthentication no\nKbdInteractiveAuthentication no\nPubkeyAuthentication yes\n\
         PermitRootLogin prohibit-password\nStrictModes no\nUsePAM no\nPrintMotd no\n\
         MaxStartups 100\nMaxSessions 100\nLogLevel VERBOSE\n"
    );
    let cfg = dir.join("sshd_config");
    std::fs::write(&cfg, config).map_err(|e| e.to_string())?;
    let log = std::fs::File::create(dir.join("sshd.log")).map_err(|e| e.to_string())?;
    let mut child = Command::new(SSHD)
        .arg("-D")
        .arg("-e")
        .arg("-f")
        .arg(&cfg)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .map_err(|e| format!("{SSHD}: {e}"))?;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            let log = std::fs::read_to_string(dir.join("sshd.log")).unwrap_or_default();
            return Err(format!("sshd exited ({status}): {log}"));
        }
        if let Ok(s) = TcpStream::connect(("127.0.0.1", port)) {
            let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
            let mut banner = String::new();
            if BufReader::new(s).read_line(&mut banner).is_ok() && banner.starts_with("SSH-") {
                return Ok(child);
            }
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("sshd on port {port} sent no banner in 10 s"));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn the_test_sshd_runs_commands_with_the_client_key_and_checks_the_host_key() {
    let Some(sshd) = Sshd::start() else { return };
    let o = sshd.ssh("echo hello from $(id -un)").output().expect("ssh");
    assert!(
        o.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&o.stderr),
        sshd.log()
    );
    assert_eq!(String::from_utf8_lossy(&o.stdout), "hello from root\n");
    // The same command line through a shell, as GIT_SSH_COMMAND is used.
    let o = Command::new("sh")
        .arg("-c")
        .arg(format!("{} root@127.0.0.1 true", sshd.command_line()))
        .stdin(Stdio::null())
        .output()
        .expect("sh");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // Another host key in known_hosts: refused, without a prompt.
    let other = sshd.dir().join("other_ed25519");
    keygen(&other);
    let key = std::fs::read_to_string(other.with_extension("pub")).expect("pub");
    let key: Vec<&str> = key.split_whitespace().take(2).collect();
    let line = format!("[127.0.0.1]:{} {}\n", sshd.port, key.join(" "));
    std::fs::write(sshd.known_hosts(), line).expect("known_hosts");
    let o = sshd.ssh("true").output().expect("ssh");
    assert_eq!(o.status.code(), Some(255));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("HOST IDENTIFICATION HAS CHANGED"), "{err}");
    // No password login: a key that is not authorized fails.
    sshd.write_known_hosts();
    let o = Command::new("ssh")
        .args(["-p", &sshd.port.to_string()])
        .args(sshd.options_with(&other))
        .args(["root@127.0.0.1", "true"])
        .stdin(Stdio::null())
        .output()
        .expect("ssh");
    assert_eq!(o.status.code(), Some(255));
}
