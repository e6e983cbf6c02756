//! `command` gates: `sh -c RUN` in the runbook's directory passes on exit 0.
//!
//! Only a step or a trigger runs them (they may have side effects); background refresh and
//! `status` never do. The command runs in its own process group, which is killed at the
//! timeout. The last lines of its output are kept in the message; the value is the exit code.

use std::collections::BTreeMap;
use std::process::Stdio;
use std::time::Duration;

use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;
use serde_json::Value;
use tokio::process::Command;

use super::{GateCx, GateOutcome, fmt_dur};
use crate::runbook::Tpl;
use crate::runbook::template::render_shell;

/// How many output lines the message keeps.
pub const TAIL_LINES: usize = 3;
/// Longest output line kept, in characters.
const MAX_LINE: usize = 200;

pub async fn evaluate(
    run: &Tpl,
    env: &BTreeMap<String, Tpl>,
    cx: &GateCx,
    timeout: Duration,
) -> GateOutcome {
    let command = match render_shell(run, &cx.ctx) {
        Ok(c) => c,
        Err(e) => return GateOutcome::error(format!("`{}`: {}", run.src, e.message)),
    };
    let mut envs = Vec::new();
    for (k, v) in env {
        match cx.render(v) {
            Ok(v) => envs.push((k.clone(), v)),
            Err(why) => return GateOutcome::error(why),
        }
    }
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg(&command)
        .current_dir(&cx.runbook_dir)
        .envs(envs)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .kill_on_drop(true);
    let child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => return GateOutcome::error(format!("cannot start `sh`: {e}")),
    };
    let group = child
        .id()
        .and_then(|p| i32::try_from(p).ok())
        .map(Pid::from_raw);
    let out = match tokio::time::timeout(timeout, child.wait_with_output()).await {
        Ok(Ok(out)) => out,
        Ok(Err(e)) => return GateOutcome::error(format!("waiting for `sh`: {e}")),
        Err(_) => {
            if let Some(g) = group {
                let _ = killpg(g, Signal::SIGKILL);
            }
            return GateOutcome::error(format!(
                "`{command}` did not finish within {}",
                fmt_dur(timeout)
            ));
        }
    };
    let tail = tail(&out.stdout, &out.stderr);
    let tail = if tail.is_empty() {
        String::new()
    } else {
        format!(": {tail}")
    };
    match out.status.code() {
        Some(0) => GateOutcome::pass(Value::from(0), format!("exit 0{tail}")),
        Some(code) => {
            GateOutcome::fail(Value::from(code), format!("exit {code}{tail}")).expecting("exit 0")
        }
        None => {
            GateOutcome::fail(Value::Null, format!("killed by a signal{tail}")).expecting("exit 0")
        }
    }
}

/// The last non-empty lines of stdout, then stderr, joined with ` · `.
fn tail(stdout: &[u8], stderr: &[u8]) -> String {
    let text = format!(
        "{}\n{}",
        String::from_utf8_lossy(stdout),
        String::from_utf8_lossy(stderr)
    );
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let start = lines.len().saturating_sub(TAIL_LINES);
    lines[start..]
        .iter()
        .map(|l| {
            if l.chars().count() > MAX_LINE {
                format!("{}…", l.chars().take(MAX_LINE).collect::<String>())
            } else {
                (*l).to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join(" · ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tail_keeps_the_last_lines() {
        assert_eq!(tail(b"a\nb\n\nc\nd\n", b""), "b · c · d");
        assert_eq!(tail(b"out\n", b"err\n"), "out · err");
        assert_eq!(tail(b"", b""), "");
    }
}
