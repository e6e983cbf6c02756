//! Pushing one ref with the operator's own `git` CLI (`git push REMOTE REF` in the repository),
//! so their credential helpers, ssh-agent, `GIT_SSH_COMMAND` / `core.sshCommand` and
//! `known_hosts` apply exactly as for their own pushes; nothing prompts (no controlling
//! terminal, `GIT_TERMINAL_PROMPT=0`, ssh in batch mode unless the operator chose their ssh).

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use super::detached;
use crate::logs::Masker;

/// How long one push may take.
const PUSH_TIMEOUT: Duration = Duration::from_secs(300);

/// The ssh command set when the operator set none.
pub const BATCH_SSH: &str = "ssh -o BatchMode=yes";

/// `git push <remote> <refname>` in `repo`. `Err` is what git said (its last lines, masked).
pub async fn push(repo: &Path, remote: &str, refname: &str, masker: &Masker) -> Result<(), String> {
    let mut cmd = detached::command("git");
    cmd.arg("push")
        .arg("--porcelain")
        .arg("--")
        .arg(remote)
        .arg(format!("{refname}:{refname}"))
        .current_dir(repo)
        .env("GIT_TERMINAL_PROMPT", "0")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if !operator_chose_ssh(repo) {
        cmd.env("GIT_SSH_COMMAND", BATCH_SSH);
    }
    let out = match tokio::time::timeout(PUSH_TIMEOUT, cmd.output()).await {
        Ok(Ok(out)) => out,
        Ok(Err(e)) => return Err(format!("cannot run git: {e}")),
        Err(_) => return Err(format!("git push took over {}s", PUSH_TIMEOUT.as_secs())),
    };
    if out.status.success() {
        return Ok(());
    }
    let said = said(
        &String::from_utf8_lossy(&out.stderr),
        &String::from_utf8_lossy(&out.stdout),
    );
    let said = masker.mask(&said).into_owned();
    Err(match out.status.code() {
        Some(c) => format!("git push exited {c}: {said}"),
        None => format!("git push was killed: {said}"),
    })
}

/// Whether `GIT_SSH_COMMAND`, `GIT_SSH` or the repository's `core.sshCommand` names the ssh
/// to use (then it is left alone).
pub(crate) fn operator_chose_ssh(repo: &Path) -> bool {
    let set = |k: &str| std::env::var_os(k).is_some_and(|v| !v.is_empty());
    set("GIT_SSH_COMMAND")
        || set("GIT_SSH")
        || git2::Repository::discover(repo)
            .and_then(|r| r.config())
            .and_then(|c| c.get_string("core.sshCommand"))
            .is_ok()
}

/// The gist of git's output: its `fatal:`/`error:`/rejected lines when there are some, else its
/// last lines; one line, `; `-joined.
fn said(stderr: &str, stdout: &str) -> String {
    let lines: Vec<&str> = stderr
        .lines()
        .chain(stdout.lines())
        .map(str::trim)
        .filter(|l| !l.is_empty() && *l != "Done")
        .collect();
    let key: Vec<&str> = lines
        .iter()
        .copied()
        .filter(|l| {
            l.starts_with("fatal:")
                || l.starts_with("error:")
                || l.starts_with('!')
                || l.contains("rejected")
                || l.contains("ssh:")
                || l.contains("Permission denied")
                || l.contains("Host key verification failed")
        })
        .collect();
    let pick = if key.is_empty() { &lines } else { &key };
    let start = pick.len().saturating_sub(4);
    let text = pick[start..].join("; ");
    if text.is_empty() {
        "(git said nothing)".to_owned()
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::said;

    #[test]
    fn git_output_is_cut_to_its_errors() {
        let err = "ssh: connect to host 127.0.0.1 port 1: Connection refused\r\n\
                   fatal: Could not read from remote repository.\n\n\
                   Please make sure you have the correct access rights\nand the repository exists.\n";
        assert_eq!(
            said(err, ""),
            "ssh: connect to host 127.0.0.1 port 1: Connection refused; \
             fatal: Could not read from remote repository."
        );
        assert_eq!(said("", ""), "(git said nothing)");
        assert_eq!(said("hint: a\nhint: b\n", ""), "hint: a; hint: b");
    }
}
