//! Running `ssh-keygen` so that it can never prompt: no controlling terminal (`setsid`, where
//! util-linux has it; otherwise its own process group), stdin from `/dev/null` or a file, no
//! askpass (`SSH_ASKPASS_REQUIRE=never`), output to files, and a deadline after which it is
//! killed. `SSH_AUTH_SOCK` is inherited, so keys in `ssh-agent` work.

use std::ffi::OsStr;
use std::fs::File;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::TrustError;

/// What a finished `ssh-keygen` said.
#[derive(Debug)]
pub(crate) struct Output {
    pub success: bool,
    pub stdout: String,
    pub stderr: String,
}

impl Output {
    /// Its stderr (else stdout) on one line, for messages.
    pub fn said(&self) -> String {
        let text = if self.stderr.trim().is_empty() {
            &self.stdout
        } else {
            &self.stderr
        };
        text.split_whitespace().collect::<Vec<_>>().join(" ")
    }
}

/// The `setsid` program, when there is one on `PATH`.
fn setsid() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join("setsid"))
        .find(|p| p.is_file())
}

/// Run `ssh-keygen ARGS` in `work` (a private temporary directory that also takes its output),
/// with `stdin` (or `/dev/null`) as its standard input and `agent` (or the inherited
/// `SSH_AUTH_SOCK`) as its agent, killed after `deadline`.
pub(crate) fn run<I, S>(
    args: I,
    stdin: Option<&Path>,
    agent: Option<&Path>,
    work: &Path,
    deadline: Duration,
) -> Result<Output, TrustError>
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let mut cmd = if let Some(setsid) = setsid() {
        let mut c = Command::new(setsid);
        // `--wait`: when setsid has to fork, it still returns ssh-keygen's exit status.
        c.arg("--wait").arg("ssh-keygen");
        c
    } else {
        let mut c = Command::new("ssh-keygen");
        c.process_group(0);
        c
    };
    let out_path = work.join("ssh-keygen.out");
    let err_path = work.join("ssh-keygen.err");
    let tool = |e: std::io::Error| TrustError::Tool(format!("cannot run ssh-keygen: {e}"));
    let input = match stdin {
        Some(p) => Stdio::from(File::open(p).map_err(tool)?),
        None => Stdio::null(),
    };
    if let Some(sock) = agent {
        cmd.env("SSH_AUTH_SOCK", sock);
    }
    cmd.args(args)
        .env("SSH_ASKPASS_REQUIRE", "never")
        .stdin(input)
        .stdout(File::create(&out_path).map_err(tool)?)
        .stderr(File::create(&err_path).map_err(tool)?);
    let mut child = cmd.spawn().map_err(tool)?;
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().map_err(tool)? {
            break status;
        }
        if start.elapsed() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            return Err(TrustError::Tool(format!(
                "ssh-keygen did not finish within {}s (a hardware key waiting for a touch?)",
                deadline.as_secs()
            )));
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let read = |p: &Path| std::fs::read_to_string(p).unwrap_or_default();
    Ok(Output {
        success: status.success(),
        stdout: read(&out_path),
        stderr: read(&err_path),
    })
}
