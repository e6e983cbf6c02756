//! A real image registry for tests (Debian's `docker-registry`, distribution 2.8): one per test,
//! `docker-registry serve CONFIG` on 127.0.0.1 and a free port, plain HTTP, its storage on the
//! filesystem of a temp dir. dockerd treats a `127.0.0.1:PORT` registry as insecure-allowed
//! (loopback), so `docker push 127.0.0.1:PORT/REPO:TAG` works without TLS. Dropping it kills
//! the server.
//!
//! Use: `let Some(reg) = Registry::start() else { return };` (a skip through `crate::skip`
//! when `docker-registry` is missing).

use std::fmt::Write as _;
use std::io::{Read as _, Write as _};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::skip::{self, Component};

/// The media type of a single-platform image manifest (what `docker push` of a local build
/// uploads, and what the repo digest is the sha256 of).
pub const MANIFEST_V2: &str = "application/vnd.docker.distribution.manifest.v2+json";

/// A running registry; killed on drop.
pub struct Registry {
    child: Child,
    pub port: u16,
    _dir: tempfile::TempDir,
}

impl Registry {
    /// Start one, answering `GET /v2/`; `None` after a skip.
    pub fn start() -> Option<Registry> {
        if !skip::need(Component::Registry) {
            return None;
        }
        let dir = tempfile::tempdir().expect("tempdir");
        let log_path = dir.path().join("registry.log");
        let mut last = String::new();
        for _ in 0..5 {
            let port = crate::watch::free_port();
            let config = dir.path().join("config.yml");
            std::fs::write(
                &config,
                format!(
                    "version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    \
                     rootdirectory: {}\nhttp:\n  addr: 127.0.0.1:{port}\n",
                    dir.path().join("data").display()
                ),
            )
            .expect("config.yml");
            let log = std::fs::File::create(&log_path).expect("log");
            let mut child = Command::new("docker-registry")
                .arg("serve")
                .arg(&config)
                .stdin(Stdio::null())
                .stdout(log.try_clone().expect("log"))
                .stderr(log)
                .spawn()
                .expect("docker-registry runs (probed)");
            let deadline = Instant::now() + Duration::from_secs(10);
            while Instant::now() < deadline {
                if get(port, "/v2/", &[]).is_some_and(|(code, _, _)| code == 200) {
                    return Some(Registry {
                        child,
                        port,
                        _dir: dir,
                    });
                }
                if let Ok(Some(_)) = child.try_wait() {
                    break; // the port was taken meanwhile: try another
                }
                std::thread::sleep(Duration::from_millis(100));
            }
            let _ = child.kill();
            let _ = child.wait();
            last = std::fs::read_to_string(&log_path).unwrap_or_default();
        }
        panic!("docker-registry did not answer GET /v2/: {last}");
    }

    /// `127.0.0.1:PORT`, the registry part of an image reference.
    pub fn address(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// The `Docker-Content-Digest` the registry answers for `GET /v2/REPO/manifests/TAG`
    /// asking for a v2 manifest, with the status code when it is not 200.
    pub fn manifest_digest(&self, repo: &str, tag: &str) -> Result<String, String> {
        let (code, headers, body) = get(
            self.port,
            &format!("/v2/{repo}/manifests/{tag}"),
            &[("Accept", MANIFEST_V2)],
        )
        .ok_or("the registry did not answer")?;
        if code != 200 {
            return Err(format!("{code}: {body}"));
        }
        headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("docker-content-digest"))
            .map(|(_, v)| v.clone())
            .ok_or_else(|| format!("no Docker-Content-Digest in {headers:?}"))
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An HTTP answer: status, headers, body.
type Answer = (u16, Vec<(String, String)>, String);

/// `GET path` (HTTP/1.0) from the registry on `port`.
fn get(port: u16, path: &str, headers: &[(&str, &str)]) -> Option<Answer> {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let mut s = TcpStream::connect_timeout(&addr, Duration::from_secs(2)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
    let mut req = format!("GET {path} HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\n");
    for (k, v) in headers {
        let _ = write!(req, "{k}: {v}\r\n");
    }
    req.push_str("Connection: close\r\n\r\n");
    s.write_all(req.as_bytes()).ok()?;
    let mut buf = String::new();
    s.read_to_string(&mut buf).ok()?;
    let (head, body) = buf.split_once("\r\n\r\n")?;
    let mut lines = head.lines();
    let code = lines.next()?.split_whitespace().nth(1)?.parse().ok()?;
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect();
    Some((code, headers, body.to_owned()))
}
