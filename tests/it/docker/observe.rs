//! `flightdeck observe` reads live state itself (real binary in tmux, shared daemon): the
//! containers of the release's services, and their log lines, masked with the runbook's
//! secrets like the operator's cockpit masks them.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::run::Dir;
use crate::tmux::{Tmux, bin};

use super::bounded;
use super::logrig::{run_script, shell_image};
use super::support;

const SECRET: &str = "Obs3rve-s3cret-value";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn observe_shows_the_services_and_their_masked_logs() {
    bounded(async {
        let Some((docker, run, _guard)) = support::tmux_and_shared().await else {
            return;
        };
        if shell_image(&docker).await.is_none() {
            return;
        }
        let name = format!("fd-{run}-api");
        let script = format!(
            "i=0; while :; do echo \"observe-line $i token {SECRET}\"; i=$((i+1)); sleep 0.2; done"
        );
        run_script(&docker, &name, &run, &script).await;
        let d = Dir::new(&format!(
            r#"
[release]
name = "obs"
environment = "staging"
version = "2.0.0"

[secrets]
env = ["FD_OBS_SECRET"]

[[services]]
name = "api"
match = {{ name = "{name}" }}
logs = true

[[steps]]
id = "wait"
kind = "run"
run = "echo waiting; while [ ! -f go ]; do sleep 0.1; done"
"#
        ));
        let mut release = Command::new(bin())
            .current_dir(d.path())
            .args(["run", "--plain", "--operator", "dana"])
            .env("FD_OBS_SECRET", SECRET)
            .stdout(Stdio::null())
            .spawn()
            .expect("run starts");
        let deadline = Instant::now() + Duration::from_secs(15);
        while !d
            .state()
            .resolve("latest")
            .ok()
            .and_then(|p| std::fs::read_to_string(p).ok())
            .is_some_and(|j| j.contains("waiting"))
        {
            assert!(
                Instant::now() < deadline,
                "the release never started its step"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        let t = Tmux::start(
            d.path(),
            &format!("FD_OBS_SECRET={SECRET} {} observe; sleep 30", bin()),
            160,
            48,
        );
        let s = t.wait_for("OBSERVING dana's release");
        assert!(s.contains("obs → staging · v2.0.0"), "{s}");
        // The container, from the observer's own Docker watcher.
        t.wait_for(&name[..name.len().min(20)]);
        // Its log lines: the container's source may be one `]` away from the step's output.
        let mut shown = String::new();
        for _ in 0..4 {
            let deadline = Instant::now() + Duration::from_secs(5);
            while Instant::now() < deadline {
                shown = t.screen();
                if shown.contains("observe-line") {
                    break;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
            if shown.contains("observe-line") {
                break;
            }
            t.keys(&["]"]);
        }
        assert!(
            shown.contains("observe-line"),
            "no container log line:\n{shown}"
        );
        assert!(
            shown.contains("token ••••"),
            "the secret is masked:\n{shown}"
        );
        assert!(!shown.contains(SECRET), "the secret leaks:\n{shown}");
        d.write("go", "");
        assert!(release.wait().expect("run ends").success());
        t.keys(&["q"]);
    })
    .await;
}
