//! `ssh://[user@]host[:port]` Docker hosts through the operator's own OpenSSH client: each
//! connection is `ssh -p PORT -o BatchMode=yes [-l user] HOST docker system dial-stdio` (the
//! remote needs the docker CLI), carried by bollard's custom transport with a pool of such
//! connections. Host keys are checked as the operator's ssh checks them (`known_hosts`, their
//! `~/.ssh/config`); nothing prompts (batch mode, no controlling terminal). A connection that
//! fails says what ssh said. `FLIGHTDECK_SSH_COMMAND` replaces `ssh` (run by `sh`, like git's
//! `GIT_SSH_COMMAND`).

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::process::Stdio;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bollard::{API_DEFAULT_VERSION, BollardRequest, Docker};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::{Connected, Connection};
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::io::{AsyncReadExt as _, Join};
use tokio::process::{Child, ChildStdin, ChildStdout};
use tokio::sync::watch;

use crate::exec::detached;

/// The variable naming the ssh command to use instead of `ssh`.
pub const SSH_COMMAND_VAR: &str = "FLIGHTDECK_SSH_COMMAND";

/// How long ssh may take to connect (less than bollard's request timeout, so that ssh's own
/// message is the one shown).
const CONNECT_TIMEOUT_SECS: u32 = 8;

/// How long a failed request waits for ssh to say why.
const WHY_WAIT: Duration = Duration::from_secs(1);

/// Where to connect: `ssh://[user@]host[:port]` (a path is ignored).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub user: Option<String>,
    pub host: String,
    pub port: Option<u16>,
}

impl Target {
    /// Parse an `ssh://` URL.
    pub fn parse(url: &str) -> Result<Target, String> {
        let u = url::Url::parse(url).map_err(|e| format!("{url}: {e}"))?;
        if u.scheme() != "ssh" {
            return Err(format!("{url}: not an ssh:// URL"));
        }
        let host = u
            .host_str()
            .filter(|h| !h.is_empty())
            .ok_or_else(|| format!("{url}: no host"))?
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_owned();
        if host.starts_with('-') {
            return Err(format!("{url}: a host cannot start with `-`"));
        }
        if u.password().is_some() {
            return Err(format!(
                "{url}: ssh:// hosts take no password (use a key, or ssh-agent)"
            ));
        }
        let user = (!u.username().is_empty()).then(|| u.username().to_owned());
        Ok(Target {
            user,
            host,
            port: u.port(),
        })
    }

    /// The arguments after `ssh`: options, then `--`, the host and the remote command.
    pub fn args(&self) -> Vec<String> {
        let mut v: Vec<String> = vec!["-T".into()];
        for o in [
            "BatchMode=yes".to_owned(),
            format!("ConnectTimeout={CONNECT_TIMEOUT_SECS}"),
        ] {
            v.push("-o".into());
            v.push(o);
        }
        if let Some(p) = self.port {
            v.push("-p".into());
            v.push(p.to_string());
        }
        if let Some(u) = &self.user {
            v.push("-l".into());
            v.push(u.clone());
        }
        v.extend(
            ["--", &self.host, "docker", "system", "dial-stdio"]
                .iter()
                .map(|s| (*s).to_owned()),
        );
        v
    }
}

/// A client for an `ssh://` host (no connection made yet).
pub fn client(url: &str, timeout: u64) -> Result<Docker, String> {
    let target = Target::parse(url)?;
    let (why_tx, _) = watch::channel(None::<String>);
    let connector = Connector {
        target: Arc::new(target),
        why: Arc::new(why_tx),
    };
    let why = Arc::clone(&connector.why);
    let client = Client::builder(TokioExecutor::new()).build(connector);
    let transport = move |req: BollardRequest| {
        let client = client.clone();
        let mut why = why.subscribe();
        why.borrow_and_update();
        async move {
            match client.request(req).await {
                Ok(res) => Ok(res),
                Err(e) => {
                    // What ssh said when it ended (it may end a moment after the request).
                    let said = match tokio::time::timeout(WHY_WAIT, why.changed()).await {
                        Ok(Ok(())) => why.borrow().clone(),
                        _ => None,
                    };
                    let err = io::Error::other(said.unwrap_or_else(|| chain(&e)));
                    Err(bollard::errors::Error::IOError { err })
                }
            }
        }
    };
    Docker::connect_with_custom_transport(
        transport,
        Some("http://docker.ssh"),
        timeout,
        API_DEFAULT_VERSION,
    )
    .map_err(|e| format!("{url}: {e}"))
}

/// An error and its causes, `: `-joined.
fn chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut src = e.source();
    while let Some(c) = src {
        let t = c.to_string();
        if !s.contains(&t) {
            s.push_str(": ");
            s.push_str(&t);
        }
        src = c.source();
    }
    s
}

/// Starts one `ssh … docker system dial-stdio` per connection; what a failed one said goes to
/// `why`.
#[derive(Clone)]
struct Connector {
    target: Arc<Target>,
    why: Arc<watch::Sender<Option<String>>>,
}

impl tower_service::Service<hyper::Uri> for Connector {
    type Response = SshStream;
    type Error = io::Error;
    type Future = Pin<Box<dyn Future<Output = io::Result<SshStream>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, _: hyper::Uri) -> Self::Future {
        let target = Arc::clone(&self.target);
        let why = Arc::clone(&self.why);
        Box::pin(async move { spawn(&target, why) })
    }
}

/// Start ssh; its stderr is read by a task that reports it when ssh ends.
fn spawn(target: &Target, why: Arc<watch::Sender<Option<String>>>) -> io::Result<SshStream> {
    let mut cmd = match std::env::var(SSH_COMMAND_VAR) {
        Ok(c) if !c.trim().is_empty() => {
            let mut cmd = detached::command("sh");
            cmd.arg("-c").arg(format!("{c} \"$@\"")).arg("ssh");
            cmd
        }
        _ => detached::command("ssh"),
    };
    let mut child = cmd
        .args(target.args())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| io::Error::other(format!("cannot run ssh: {e}")))?;
    let (Some(stdin), Some(stdout), Some(mut stderr)) =
        (child.stdin.take(), child.stdout.take(), child.stderr.take())
    else {
        return Err(io::Error::other("ssh has no pipes"));
    };
    tokio::spawn(async move {
        let mut buf = Vec::new();
        let _ = (&mut stderr).take(64 * 1024).read_to_end(&mut buf).await;
        let text = String::from_utf8_lossy(&buf);
        let lines: Vec<&str> = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with("Warning: Permanently added"))
            .collect();
        if !lines.is_empty() {
            let start = lines.len().saturating_sub(3);
            why.send_replace(Some(lines[start..].join("; ")));
        }
    });
    Ok(SshStream {
        io: TokioIo::new(tokio::io::join(stdout, stdin)),
        _child: child,
    })
}

/// One ssh connection: its stdout and stdin as one stream; ssh is killed when it is dropped.
struct SshStream {
    io: TokioIo<Join<ChildStdout, ChildStdin>>,
    _child: Child,
}

impl Connection for SshStream {
    fn connected(&self) -> Connected {
        Connected::new()
    }
}

impl hyper::rt::Read for SshStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: hyper::rt::ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_read(cx, buf)
    }
}

impl hyper::rt::Write for SshStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().io).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::Target;

    #[test]
    fn ssh_urls_keep_their_port_and_user() {
        let t = Target::parse("ssh://deploy@db1.example:2222").expect("parses");
        assert_eq!((t.user.as_deref(), t.port), (Some("deploy"), Some(2222)));
        assert_eq!(
            t.args().join(" "),
            "-T -o BatchMode=yes -o ConnectTimeout=8 -p 2222 -l deploy -- db1.example docker system dial-stdio"
        );
        let t = Target::parse("ssh://[::1]").expect("parses");
        assert_eq!((t.host.as_str(), t.port, t.user), ("::1", None, None));
        assert!(Target::parse("ssh://-oProxyCommand=x").is_err());
        assert!(Target::parse("ssh://u:pw@h").is_err());
        assert!(Target::parse("ssh://").is_err());
    }
}
