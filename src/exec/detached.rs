//! Child processes that must never prompt on the operator's terminal (`git`, `ssh`): started
//! in a session of their own (`setsid`, so no controlling terminal), stdin from /dev/null.

use std::path::Path;
use std::process::Stdio;

use tokio::process::Command;

/// Where util-linux's `setsid` is looked for.
const SETSID: [&str; 2] = ["/usr/bin/setsid", "/bin/setsid"];

/// A command for `program` in a new session (through `setsid` when it is installed; the
/// child is not a process-group leader, so `setsid` execs in place and the pid is the
/// program's), stdin from /dev/null, killed when dropped.
pub fn command(program: &str) -> Command {
    let mut c = match SETSID.iter().find(|p| Path::new(p).is_file()) {
        Some(setsid) => {
            let mut c = Command::new(setsid);
            c.arg(program);
            c
        }
        None => Command::new(program),
    };
    c.stdin(Stdio::null()).kill_on_drop(true);
    c
}
