//! A private dockerd for tests that disturb a daemon (DESIGN §7): its own socket (or TLS tcp
//! port), data root, exec root, pidfile and config file in a temp dir, no bridge, no
//! iptables. Stopped and started at will; killed (with its containerd) on every exit path.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use flightdeck::runbook::{DockerHost, TlsFiles};
use flightdeck::watch::docker;
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

use crate::skip::Component;

use super::support::skip;

pub struct PrivateDaemon {
    pub host: DockerHost,
    dir: tempfile::TempDir,
    args: Vec<String>,
    child: Option<Child>,
}

impl PrivateDaemon {
    /// Start a daemon on a unix socket in a temp dir; `None` (skipped) when not possible here.
    pub async fn start(name: &str) -> Option<Self> {
        let dir = Self::dir()?;
        let url = format!("unix://{}", dir.path().join("d.sock").display());
        let host = DockerHost {
            name: name.to_owned(),
            url: url.clone(),
            tls: None,
        };
        Self::launch(dir, host, vec!["--host".into(), url]).await
    }

    /// Start a daemon on `tcp://127.0.0.1:<port>` with `--tlsverify` and these files (the CA,
    /// the server's certificate and key); `host.tls` is the client's.
    pub async fn start_tls(
        name: &str,
        port: u16,
        server: &TlsFiles,
        client: TlsFiles,
    ) -> Option<Self> {
        let dir = Self::dir()?;
        let url = format!("tcp://127.0.0.1:{port}");
        let host = DockerHost {
            name: name.to_owned(),
            url: url.clone(),
            tls: Some(client),
        };
        let args = vec![
            "--host".into(),
            url,
            "--tlsverify".into(),
            format!("--tlscacert={}", server.ca),
            format!("--tlscert={}", server.cert),
            format!("--tlskey={}", server.key),
        ];
        Self::launch(dir, host, args).await
    }

    fn dir() -> Option<tempfile::TempDir> {
        if !nix::unistd::geteuid().is_root() {
            return skip(Component::Root, "a private dockerd needs root");
        }
        if Command::new("dockerd").arg("--version").output().is_err() {
            return skip(Component::Dockerd, "dockerd is not installed");
        }
        Some(
            tempfile::Builder::new()
                .prefix("fd-dockerd-")
                .tempdir_in("/tmp")
                .expect("temp dir"),
        )
    }

    async fn launch(dir: tempfile::TempDir, host: DockerHost, extra: Vec<String>) -> Option<Self> {
        let p = |s: &str| dir.path().join(s).display().to_string();
        std::fs::write(dir.path().join("daemon.json"), "{}").expect("daemon.json");
        let mut args = vec![
            format!("--data-root={}", p("data")),
            format!("--exec-root={}", p("exec")),
            format!("--pidfile={}", p("docker.pid")),
            format!("--config-file={}", p("daemon.json")),
            "--bridge=none".into(),
            "--iptables=false".into(),
            "--ip-masq=false".into(),
            "--shutdown-timeout=1".into(),
        ];
        args.extend(extra);
        let mut d = PrivateDaemon {
            host,
            dir,
            args,
            child: None,
        };
        d.start_again().await;
        Some(d)
    }

    pub fn log(&self) -> PathBuf {
        self.dir.path().join("dockerd.log")
    }

    /// Start the (stopped) daemon and wait until it answers (at most 30 s).
    pub async fn start_again(&mut self) {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.log())
            .expect("dockerd log");
        let child = Command::new("dockerd")
            .args(&self.args)
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log fd"))
            .stderr(log)
            .spawn()
            .expect("spawn dockerd");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(d) = docker::connect(&self.host).await
                && d.ping().await.is_ok()
            {
                return;
            }
            if let Some(c) = self.child.as_mut()
                && let Ok(Some(status)) = c.try_wait()
            {
                panic!("dockerd exited ({status}); log:\n{}", self.log_tail());
            }
            assert!(
                Instant::now() < deadline,
                "dockerd not up in 30 s; log:\n{}",
                self.log_tail()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The end of the daemon's log, for failure messages.
    pub fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(self.log()).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(30)..].join("\n")
    }

    /// Send SIGTERM (the daemon shuts down; see [`PrivateDaemon::wait_stopped`]).
    pub fn terminate(&self) {
        if let Some(c) = &self.child {
            let _ = kill(pid_of(c), Signal::SIGTERM);
        }
    }

    /// Stop the daemon: SIGTERM, wait (SIGKILL after 20 s), and reap its containerd.
    pub async fn stop(&mut self) {
        self.terminate();
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline && self.running() {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        self.reap();
    }

    fn running(&mut self) -> bool {
        self.child
            .as_mut()
            .is_some_and(|c| matches!(c.try_wait(), Ok(None)))
    }

    /// Kill what is left: the daemon, and the containerd it started (which it stops itself
    /// unless killed), identified by its pidfile and a command line naming our temp dir.
    fn reap(&mut self) {
        if let Some(mut c) = self.child.take() {
            if matches!(c.try_wait(), Ok(None)) {
                let _ = c.kill();
            }
            let _ = c.wait();
        }
        let pidfile = self.dir.path().join("exec/containerd/containerd.pid");
        let Some(pid) = std::fs::read_to_string(pidfile)
            .ok()
            .and_then(|s| s.trim().parse::<i32>().ok())
        else {
            return;
        };
        let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
        let ours = String::from_utf8_lossy(&cmdline).contains(&*self.dir.path().to_string_lossy());
        if ours {
            let _ = kill(Pid::from_raw(pid), Signal::SIGKILL);
        }
    }
}

fn pid_of(c: &Child) -> Pid {
    Pid::from_raw(i32::try_from(c.id()).expect("pid"))
}

impl Drop for PrivateDaemon {
    fn drop(&mut self) {
        self.terminate();
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline && self.running() {
            std::thread::sleep(Duration::from_millis(50));
        }
        self.reap();
    }
}
