//! The fleet in the real cockpit (tmux, shared daemon): one `web` row for four replicas,
//! `]` walks the log sources to the merged `web/*` with each line prefixed by its replica,
//! and both survive a resize to 80×24.

use std::time::{Duration, Instant};

use crate::run::Dir;
use crate::tmux::{Tmux, bin};

use super::bounded;
use super::logrig::{run_script, shell_image};
use super::support;

/// Wait (at most `secs`) until `ok` holds for the screen; returns it.
fn wait(t: &Tmux, secs: u64, what: &str, ok: impl Fn(&str) -> bool) -> String {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        let s = t.screen();
        if ok(&s) {
            return s;
        }
        assert!(Instant::now() < deadline, "no {what}:\n{s}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn right_bracket_walks_to_the_merged_source_and_it_survives_a_resize() {
    bounded(async {
        let Some((docker, run, _guard)) = support::tmux_and_shared().await else {
            return;
        };
        if shell_image(&docker).await.is_none() {
            return;
        }
        let prefix = format!("fd-web-{run}-");
        for i in 1..=4 {
            let script = "i=0; while true; do echo \"tick $i\"; i=$((i+1)); sleep 0.2; done";
            run_script(&docker, &format!("{prefix}r{i}"), &run, script).await;
        }
        let dir = Dir::new(&format!(
            r#"
[release]
name = "fleet"
environment = "staging"
version = "1"

[[services]]
name = "web"
match = {{ name = "{prefix}*" }}
logs = true

[[steps]]
id = "wait"
kind = "manual"
"#
        ));
        let t = Tmux::start(dir.path(), &format!("{} run; sleep 30", bin()), 160, 48);
        let s = wait(&t, 20, "the web row", |s| s.contains("● 4/4"));
        assert!(
            !s.contains(&format!("{prefix}r2")),
            "folded: no container rows\n{s}"
        );
        let mut s = s;
        for _ in 0..8 {
            if s.contains("[web/*]") {
                break;
            }
            t.keys(&["]"]);
            std::thread::sleep(Duration::from_millis(150));
            s = t.screen();
        }
        let s = wait(&t, 10, "merged lines of several replicas", |s| {
            s.contains("[web/*]")
                && (1..=4)
                    .filter(|i| s.contains(&format!("r{i} │ tick")))
                    .count()
                    >= 3
        });
        assert!(s.contains("[web/*]"), "{s}");
        t.resize(80, 24);
        let s = wait(&t, 10, "the merged source at 80×24", |s| {
            s.contains("[web/*]") && s.contains(" │ tick") && s.contains("4/4")
        });
        assert!(s.lines().count() <= 24, "{s}");
        t.keys(&["q"]);
        t.keys(&["y"]);
    })
    .await;
}
