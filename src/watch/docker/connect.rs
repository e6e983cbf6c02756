//! Connecting to a Docker host with bollard: unix sockets, tcp, tcp with TLS (rustls), and
//! ssh (the operator's `ssh` running `docker system dial-stdio`: [`super::ssh`]). The API version is always negotiated, so
//! that old daemons (Debian's 20.10 speaks 1.41) and new ones both work.

use std::path::Path;

use bollard::{API_DEFAULT_VERSION, Docker};

use crate::runbook::{DockerHost, TlsFiles};

/// The local daemon's socket.
pub const LOCAL_SOCKET: &str = "unix:///var/run/docker.sock";

/// Seconds before a request (not a stream) without a response fails.
const REQUEST_TIMEOUT: u64 = 10;

/// The host used when a runbook has no `[[docker.hosts]]`: `DOCKER_HOST` (named `default`),
/// else the local socket (named `local`).
pub fn default_host() -> DockerHost {
    match std::env::var("DOCKER_HOST") {
        Ok(url) if !url.trim().is_empty() => DockerHost {
            name: "default".to_owned(),
            url,
            tls: None,
        },
        _ => DockerHost {
            name: "local".to_owned(),
            url: LOCAL_SOCKET.to_owned(),
            tls: None,
        },
    }
}

/// The hosts to watch: the runbook's (TLS paths resolved against `dir`, the runbook's
/// directory), or [`default_host`] when it lists none.
pub fn hosts_for(dir: &Path, hosts: &[DockerHost]) -> Vec<DockerHost> {
    if hosts.is_empty() {
        return vec![default_host()];
    }
    let resolve = |p: &str| dir.join(p).to_string_lossy().into_owned();
    hosts
        .iter()
        .map(|h| DockerHost {
            name: h.name.clone(),
            url: h.url.clone(),
            tls: h.tls.as_ref().map(|t| TlsFiles {
                ca: resolve(&t.ca),
                cert: resolve(&t.cert),
                key: resolve(&t.key),
            }),
        })
        .collect()
}

/// A client for `host` (no request made yet).
pub fn client(host: &DockerHost) -> Result<Docker, String> {
    let url = host.url.trim();
    let scheme = url.split_once("://").map_or("", |(s, _)| s);
    let fail = |e: bollard::errors::Error| format!("{url}: {e}");
    match (scheme, &host.tls) {
        ("unix", None) => {
            Docker::connect_with_unix(url, REQUEST_TIMEOUT, API_DEFAULT_VERSION).map_err(fail)
        }
        ("tcp" | "http", None) => {
            Docker::connect_with_http(url, REQUEST_TIMEOUT, API_DEFAULT_VERSION).map_err(fail)
        }
        ("tcp" | "https", Some(tls)) => {
            for (what, p) in [("ca", &tls.ca), ("cert", &tls.cert), ("key", &tls.key)] {
                if !Path::new(p).is_file() {
                    return Err(format!("{url}: tls {what} file {p} not found"));
                }
            }
            install_crypto_provider();
            Docker::connect_with_ssl(
                url,
                Path::new(&tls.key),
                Path::new(&tls.cert),
                Path::new(&tls.ca),
                REQUEST_TIMEOUT,
                API_DEFAULT_VERSION,
            )
            .map_err(fail)
        }
        ("https", None) => Err(format!(
            "{url}: https needs `tls = {{ ca, cert, key }}` in its [[docker.hosts]] entry"
        )),
        ("ssh", None) => super::ssh::client(url, REQUEST_TIMEOUT),
        (_, Some(_)) => Err(format!(
            "{url}: `tls` applies to tcp:// and https:// hosts only"
        )),
        _ => Err(format!(
            "{url}: unsupported Docker endpoint (use unix://, tcp://, https:// or ssh://)"
        )),
    }
}

/// Connect and negotiate the API version (this makes the first request).
pub async fn connect(host: &DockerHost) -> Result<Docker, String> {
    let docker = client(host)?;
    docker
        .negotiate_version()
        .await
        .map_err(|e| format!("{}: {}", host.url, describe(&e)))
}

/// The negotiated API version, e.g. `1.41`.
pub fn api_version(docker: &Docker) -> String {
    let v = docker.client_version();
    format!("{}.{}", v.major_version, v.minor_version)
}

/// A short description of a bollard error, with the underlying cause.
pub fn describe(e: &bollard::errors::Error) -> String {
    use std::error::Error as _;
    let mut s = e.to_string();
    let mut src = e.source();
    while let Some(cause) = src {
        let c = cause.to_string();
        if !s.contains(&c) {
            s.push_str(": ");
            s.push_str(&c);
        }
        src = cause.source();
    }
    s
}

/// rustls needs one process-wide crypto provider; bollard's `ssl` feature brings `ring`.
fn install_crypto_provider() {
    // Already installed (by us or by the embedding program) is fine.
    let _ = rustls::crypto::ring::default_provider().install_default();
}
