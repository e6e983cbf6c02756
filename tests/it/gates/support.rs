//! Helpers: gates from runbook text, a gate context, the demo service as a child process, a
//! tiny recording HTTP server, free ports, git repositories, and the skip-or-require rule.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use flightdeck::exec::gates::{self, GateCx, GateOutcome};
use flightdeck::runbook::{Context, Gate, load_str};

/// The header every test runbook starts with.
pub const HEADER: &str = r#"
[release]
name = "app"
environment = "staging"
version = "1.2.0"

[secrets]
env = ["GATE_PW"]
"#;

/// The first gate of a runbook made of [`HEADER`] and `gates` (TOML `[[gates]]` tables).
pub fn gate(gates: &str) -> Gate {
    let src = format!("{HEADER}\n{gates}");
    match load_str(&src, Path::new("flightdeck.toml")) {
        Ok(l) => l.runbook.gates[0].clone(),
        Err(d) => panic!("runbook does not load: {d:?}\n{src}"),
    }
}

/// A context for release `app` 1.2.0 in staging, relative paths in `dir`.
pub fn cx(dir: &Path) -> GateCx {
    let ctx = Context {
        version: "1.2.0".into(),
        release_name: "app".into(),
        environment: "staging".into(),
        operator: "tester".into(),
        ..Context::default()
    };
    GateCx::new(ctx, dir).with_secrets(&["GATE_PW".into()])
}

/// Evaluate the first gate of `gates` in `cx`.
pub async fn eval(gates: &str, cx: &GateCx) -> GateOutcome {
    gates::evaluate(&gate(gates), cx).await
}

/// A port nothing listens on (bound, then released).
pub fn closed_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr").port()
}

/// `flightdeck demo-service` on a free port, killed on drop.
pub struct Demo {
    pub child: Child,
    pub port: u16,
}

impl Demo {
    pub fn start(args: &[&str]) -> Demo {
        let mut child = Command::new(assert_cmd::cargo::cargo_bin("flightdeck"))
            .args(["demo-service", "--port", "0"])
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("demo-service starts");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut lines = BufReader::new(stdout).lines();
            if let Some(Ok(first)) = lines.next() {
                let _ = tx.send(first);
            }
            for _ in lines {}
        });
        let Ok(first) = rx.recv_timeout(Duration::from_secs(20)) else {
            let _ = child.kill();
            panic!("demo-service printed no address within 20 s");
        };
        let port = first
            .rsplit(':')
            .next()
            .and_then(|p| p.trim().parse().ok())
            .unwrap_or_else(|| panic!("no port in `{first}`"));
        Demo { child, port }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }
}

impl Drop for Demo {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One request as received: the head (request line and headers) and the body.
#[derive(Debug, Clone)]
pub struct Received {
    pub head: String,
    pub body: String,
}

/// A recording HTTP server on 127.0.0.1 answering with `reply(&request)`; at most `max`
/// requests are served, each with a 5 s read timeout.
pub struct Recorder {
    pub port: u16,
    pub got: Arc<Mutex<Vec<Received>>>,
}

impl Recorder {
    pub fn start(
        max: usize,
        reply: impl Fn(&Received) -> (u16, String) + Send + 'static,
    ) -> Recorder {
        let l = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = l.local_addr().expect("addr").port();
        let got = Arc::new(Mutex::new(Vec::new()));
        let seen = got.clone();
        std::thread::spawn(move || {
            for conn in l.incoming().take(max) {
                let Ok(mut conn) = conn else { continue };
                let _ = conn.set_read_timeout(Some(Duration::from_secs(5)));
                let Some(req) = read_request(&mut conn) else {
                    continue;
                };
                let (code, body) = reply(&req);
                seen.lock().expect("lock").push(req);
                let resp = format!(
                    "HTTP/1.1 {code} X\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = conn.write_all(resp.as_bytes());
            }
        });
        Recorder { port, got }
    }

    pub fn requests(&self) -> Vec<Received> {
        self.got.lock().expect("lock").clone()
    }
}

fn read_request(conn: &mut impl Read) -> Option<Received> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let split = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
        let n = conn.read(&mut chunk).ok()?;
        if n == 0 || buf.len() > 64 * 1024 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..split]).into_owned();
    let len: usize = head
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse().ok())?
        })
        .unwrap_or(0);
    let mut body = buf[split + 4..].to_vec();
    while body.len() < len.min(1024 * 1024) {
        let n = conn.read(&mut chunk).ok()?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    Some(Received {
        head,
        body: String::from_utf8_lossy(&body).into_owned(),
    })
}

/// A git repository in `dir` with one commit of `README` (author "Test").
pub fn git_repo(dir: &Path) -> git2::Repository {
    let repo = git2::Repository::init(dir).expect("git init");
    {
        let mut cfg = repo.config().expect("config");
        cfg.set_str("user.name", "Test").expect("user.name");
        cfg.set_str("user.email", "test@example.invalid")
            .expect("user.email");
    }
    commit(&repo, "README", "hello\n", "first");
    repo
}

/// Write `file` and commit it on HEAD.
pub fn commit(repo: &git2::Repository, file: &str, text: &str, msg: &str) -> git2::Oid {
    let root = repo.workdir().expect("workdir").to_path_buf();
    std::fs::write(root.join(file), text).expect("write");
    let mut index = repo.index().expect("index");
    index.add_path(Path::new(file)).expect("add");
    index.write().expect("index write");
    let tree = repo
        .find_tree(index.write_tree().expect("tree"))
        .expect("find tree");
    let sig = repo.signature().expect("signature");
    let parent = repo.head().ok().and_then(|h| h.peel_to_commit().ok());
    let parents: Vec<&git2::Commit> = parent.iter().collect();
    repo.commit(Some("HEAD"), &sig, &sig, msg, &tree, &parents)
        .expect("commit")
}

/// An annotated tag on HEAD.
pub fn tag(repo: &git2::Repository, name: &str) {
    let head = repo.head().and_then(|h| h.peel_to_commit()).expect("HEAD");
    let sig = repo.signature().expect("signature");
    repo.tag(name, head.as_object(), &sig, name, false)
        .expect("tag");
}
