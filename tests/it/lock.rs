//! Two operators, one release: the second is told who holds the lock before anything else.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::run::{Dir, out};

const WAITING: &str = r#"
[release]
name = "shop"
environment = "staging"
version = "3.1.0"
[[steps]]
id = "prep"
kind = "run"
run = "echo preparing"
[[steps]]
id = "wait"
kind = "run"
run = "echo waiting for go; while [ ! -f go ]; do sleep 0.1; done; echo went"
"#;

/// Wait until op-one's release runs its second step.
fn wait_for_step_two(d: &Dir) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        assert!(Instant::now() < deadline, "op-one never reached step 2");
        if let Ok(p) = d.state().resolve("latest")
            && std::fs::read_to_string(&p).is_ok_and(|t| t.contains("[\"waiting for go\"]"))
        {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_second_operator_is_told_who_holds_the_lock_not_to_resume() {
    let d = Dir::new(WAITING);
    let mut one = Command::new(assert_cmd::cargo::cargo_bin("flightdeck"))
        .current_dir(d.path())
        .args(["run", "--plain", "--operator", "op-one"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("op-one's run starts");
    wait_for_step_two(&d);
    let host = flightdeck::journal::lock::hostname();
    for extra in [&[][..], &["--resume"][..]] {
        let mut args = vec!["run", "--plain", "--operator", "op-two"];
        args.extend_from_slice(extra);
        let o = d.cmd(&args).output().expect("runs");
        assert_eq!(o.status.code(), Some(4), "{extra:?}: {}", out(&o));
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            err.contains(&format!(
                "the release lock is held by op-one on {host} (pid {})",
                one.id()
            )),
            "{extra:?}: {err}"
        );
        assert!(err.contains(" since "), "the start time: {err}");
        assert!(err.contains("flightdeck observe"), "{err}");
        assert!(!err.contains("--resume"), "no advice to resume: {err}");
        assert!(!err.contains("unfinished"), "{err}");
    }
    d.write("go", "");
    assert!(one.wait().expect("op-one ends").success());
    d.verify_latest();
}
