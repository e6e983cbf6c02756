//! Helpers: a temp copy of an example, PATH with the fixtures first, bounded commands, the
//! skip rule, git setup, and a guard that removes a compose project and its images.

use crate::gates::prometheus::Prometheus;
use crate::skip::{Component, need, need_all};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::run::Dir;

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `examples/<name>` copied into a fresh temp dir (state, busybox copies and data left out).
pub fn copy_example(name: &str) -> Dir {
    let tmp = tempfile::tempdir().expect("tempdir");
    copy_dir(&root().join("examples").join(name), tmp.path());
    Dir { tmp }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from).expect("read example dir") {
        let e = e.expect("entry");
        let name = e.file_name();
        let n = name.to_string_lossy();
        if n == ".flightdeck" || n == "busybox" || n.ends_with(".dump") || n == "schema" {
            continue;
        }
        let (src, dst) = (e.path(), to.join(&name));
        if e.file_type().expect("type").is_dir() {
            copy_dir(&src, &dst);
        } else {
            std::fs::copy(&src, &dst).expect("copy");
        }
    }
}

/// PATH with `tests/fixtures/bin` first.
pub fn fixture_path() -> String {
    format!(
        "{}:{}",
        root().join("tests/fixtures/bin").display(),
        std::env::var("PATH").unwrap_or_default()
    )
}

/// Run `program args` in `dir` with `env`, killed after `limit`; returns (success, output).
pub fn sh(dir: &Path, cmd: &str, env: &[(&str, String)], limit: Duration) -> (bool, String) {
    let mut c = Command::new("timeout");
    c.arg("-k")
        .arg("5")
        .arg(limit.as_secs().to_string())
        .arg("sh")
        .arg("-c")
        .arg(cmd)
        .current_dir(dir)
        .env("PATH", fixture_path());
    for (k, v) in env {
        c.env(k, v);
    }
    let o = c.output().expect("sh runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    (o.status.success(), text)
}

/// Docker answers, docker-compose and busybox are installed (else the test is skipped,
/// `crate::skip`).
pub fn docker_ready() -> bool {
    need_all(&[
        Component::Dockerd,
        Component::DockerCompose,
        Component::Busybox,
    ])
}

pub fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

/// A name unique to this test run, usable as a compose project and image repository.
pub fn unique(prefix: &str) -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    format!(
        "{prefix}{}x{nanos:x}x{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

/// A git repository in `dir` with everything committed and `tags` on HEAD.
pub fn git_init(dir: &Path, tags: &[&str]) {
    let mut cmd = String::from(
        "git init -q -b main && git add -A && \
         git -c user.name=Test -c user.email=test@example.invalid commit -qm release",
    );
    for t in tags {
        let _ = write!(
            cmd,
            " && git -c user.name=Test -c user.email=test@example.invalid tag -a {t} -m {t}"
        );
    }
    let (ok, text) = sh(dir, &cmd, &[], secs(30));
    assert!(ok, "git setup: {text}");
}

/// Removes the compose project's containers and the images under `image` on drop (every exit
/// path), each command bounded.
pub struct ComposeCleanup {
    pub project: String,
    pub image: String,
}

impl Drop for ComposeCleanup {
    fn drop(&mut self) {
        let tmp = std::env::temp_dir();
        let p = &self.project;
        let _ = sh(
            &tmp,
            &format!(
                "ids=$(docker ps -aq --filter label=com.docker.compose.project={p}); \
                 [ -z \"$ids\" ] || docker rm -f $ids"
            ),
            &[],
            secs(60),
        );
        let i = &self.image;
        let _ = sh(
            &tmp,
            &format!(
                "imgs=$(docker images --format '{{{{.Repository}}}}:{{{{.Tag}}}}' | grep '^{i}'); \
                 [ -z \"$imgs\" ] || docker rmi -f $imgs"
            ),
            &[],
            secs(60),
        );
    }
}

/// GET `http://127.0.0.1:{port}{path}` (bounded): the body when the status is 2xx.
pub fn get(port: u16, path: &str) -> Option<String> {
    use std::io::{Read, Write};
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    let mut s = std::net::TcpStream::connect_timeout(&addr, secs(2)).ok()?;
    s.set_read_timeout(Some(secs(5))).ok()?;
    write!(
        s,
        "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut buf = String::new();
    s.read_to_string(&mut buf).ok()?;
    let (head, body) = buf.split_once("\r\n\r\n")?;
    let code = head.split_whitespace().nth(1)?;
    code.starts_with('2').then(|| body.to_owned())
}

/// Poll `f` every 200 ms until it holds; panics with `what` after `within`.
pub fn wait_for(within: Duration, what: &str, f: impl Fn() -> bool) {
    let deadline = Instant::now() + within;
    while !f() {
        assert!(Instant::now() < deadline, "not within {within:?}: {what}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// A child process killed on drop (every exit path).
pub struct Child(pub std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `busybox httpd` serving `dir` on 127.0.0.1:`port` (a stand-in API), killed on drop.
pub fn httpd(dir: &Path, port: u16) -> Child {
    let c = Command::new("/bin/busybox")
        .args(["httpd", "-f", "-p", &format!("127.0.0.1:{port}"), "-h"])
        .arg(dir)
        .stdin(std::process::Stdio::null())
        .spawn()
        .expect("busybox httpd starts");
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    wait_for(secs(10), "busybox httpd listens", || {
        std::net::TcpStream::connect_timeout(&addr, secs(1)).is_ok()
    });
    Child(c)
}

/// Prometheus is installed (else the test is skipped, `crate::skip`).
pub fn prometheus_ready() -> bool {
    need(Component::Prometheus)
}

/// Debian's Prometheus on 127.0.0.1:`port`, scraping each `(job, port)` on 127.0.0.1 every
/// second (`gates::prometheus::Prometheus::start_on`), ready when this returns; killed on drop.
pub fn prometheus(dir: &Path, port: u16, targets: &[(&str, u16)]) -> Prometheus {
    let p = Prometheus::start_on(dir, port, targets);
    wait_for(secs(30), "prometheus is ready", || {
        get(port, "/-/ready").is_some()
    });
    p
}

/// Kills the process whose pid is in `file` when dropped (a service a run step started in
/// the background).
pub struct PidFile(pub PathBuf);

impl Drop for PidFile {
    fn drop(&mut self) {
        if let Ok(pid) = std::fs::read_to_string(&self.0) {
            let _ = sh(
                &std::env::temp_dir(),
                &format!("kill {}", pid.trim()),
                &[],
                secs(10),
            );
        }
    }
}

/// The directory of the `flightdeck` binary under test (for PATH).
pub fn bin_dir() -> PathBuf {
    assert_cmd::cargo::cargo_bin("flightdeck")
        .parent()
        .unwrap()
        .to_path_buf()
}

/// A TLS endpoint on 127.0.0.1 (the Traefik stand-in: busybox cannot speak TLS) with a leaf
/// for 127.0.0.1 signed by a private CA, valid `days` more days; `ca` is the CA's PEM file
/// (for `SSL_CERT_FILE`). Its runtime, and so the listener, ends on drop.
pub struct Tls {
    pub port: u16,
    pub ca: PathBuf,
    _rt: tokio::runtime::Runtime,
}

impl Tls {
    pub fn start(dir: &Path, days: u64) -> Tls {
        use rcgen::{
            BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair,
            KeyUsagePurpose, SanType,
        };
        use rustls_pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
        let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        ca.distinguished_name
            .push(DnType::CommonName, "flightdeck example CA");
        let ca = CertifiedIssuer::self_signed(ca, KeyPair::generate().unwrap()).unwrap();
        let mut leaf = CertificateParams::new(vec!["localhost".to_owned()]).unwrap();
        leaf.subject_alt_names
            .push(SanType::IpAddress(std::net::IpAddr::V4(
                std::net::Ipv4Addr::LOCALHOST,
            )));
        leaf.not_after =
            (std::time::SystemTime::now() + Duration::from_secs(days * 86_400 + 3600)).into();
        let key = KeyPair::generate().unwrap();
        let cert = leaf.signed_by(&key, &ca).unwrap();
        let ca_path = dir.join("example-ca.pem");
        std::fs::write(&ca_path, ca.pem()).unwrap();
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
        let config = rustls::ServerConfig::builder_with_provider(std::sync::Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![cert.der().clone()], key)
        .unwrap();
        let acceptor = tokio_rustls::TlsAcceptor::from(std::sync::Arc::new(config));
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let listener = rt
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let port = listener.local_addr().unwrap().port();
        rt.spawn(async move {
            use tokio::io::AsyncWriteExt;
            while let Ok((conn, _)) = listener.accept().await {
                let a = acceptor.clone();
                tokio::spawn(async move {
                    if let Ok(mut tls) = a.accept(conn).await {
                        let _ = tls.shutdown().await;
                    }
                });
            }
        });
        Tls {
            port,
            ca: ca_path,
            _rt: rt,
        }
    }
}
