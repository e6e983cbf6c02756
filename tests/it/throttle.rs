//! The log pane's frame pacing in the real cockpit (tmux, shared daemon), under a small bounded
//! storm (about 2,500 lines a second for a few seconds): the pane's title says `throttled`
//! while its frames are skipped, the pane keeps moving, a key still acts while it is throttled,
//! the storm's last line is on screen once it ends, and the title drops `throttled` again.
//! Behaviour, not timing: the bounds are generous (a loaded machine); the pacing itself is
//! tested with a fake clock in `src/ui/throttle.rs`.

use std::time::{Duration, Instant};

use crate::docker::bounded;
use crate::docker::logrig::{run_script, shell_image};
use crate::docker::support;
use crate::run::Dir;
use crate::tmux::{Tmux, bin};

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

/// The highest `seq=N` on the screen.
fn newest(s: &str) -> u64 {
    s.split("seq=")
        .skip(1)
        .filter_map(|r| {
            r.split(|c: char| !c.is_ascii_digit())
                .next()
                .and_then(|d| d.parse().ok())
        })
        .max()
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_storm_throttles_the_log_pane_which_still_shows_the_newest_line() {
    bounded(async {
        let Some((docker, run, _guard)) = support::tmux_and_shared().await else {
            return;
        };
        if shell_image(&docker).await.is_none() {
            return;
        }
        let name = format!("fd-throttle-{run}");
        // 50 lines every 20 ms (at most 2,500 a second), 15,000 lines, then one last line.
        let script = "sleep 3; i=0; while [ $i -lt 15000 ]; do j=0; \
             while [ $j -lt 50 ]; do echo \"storm line seq=$i\"; i=$((i+1)); j=$((j+1)); done; \
             /bin/busybox usleep 20000; done; echo \"storm over seq=$i\"; sleep 120";
        run_script(&docker, &name, &run, script).await;
        let dir = Dir::new(&format!(
            r#"
[release]
name = "storm"
environment = "staging"
version = "1"

[[services]]
name = "storm"
match = {{ name = "{name}" }}
logs = true

[[steps]]
id = "wait"
kind = "manual"
"#
        ));
        let t = Tmux::start(dir.path(), &format!("{} run; sleep 30", bin()), 160, 48);
        let s = wait(&t, 30, "a throttled log pane", |s| {
            s.contains("throttled") && s.contains("storm line seq=")
        });
        // The pane keeps moving while throttled.
        let first = newest(&s);
        let s = wait(&t, 10, "the pane moving on", |s| newest(s) > first);
        // A key acts while the pane is throttled (keys are never skipped).
        let helps = |s: &str| {
            s.lines()
                .filter(|l| l.to_lowercase().contains("help"))
                .count()
        };
        if s.contains("throttled") {
            let before = helps(&s);
            t.keys(&["?"]);
            wait(&t, 10, "the help screen", |s| helps(s) > before);
            t.keys(&["Escape"]);
        }
        // The storm's last line shows once it ends, and the throttle ends with it.
        let s = wait(&t, 60, "the storm's last line", |s| {
            s.contains("storm over seq=")
        });
        assert!(s.contains("storm over seq=15000"), "{s}");
        wait(&t, 10, "the throttle ending", |s| !s.contains("throttled"));
        t.keys(&["q"]);
        t.keys(&["y"]);
    })
    .await;
}
