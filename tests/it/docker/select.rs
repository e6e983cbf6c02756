//! `<` / `>` in the cockpit (real binary in tmux, shared daemon): the selected service's
//! containers get the `cpu … mem …` line, from the stats streams the selection opened.

use crate::run::Dir;
use crate::tmux::{Tmux, bin};

use super::bounded;
use super::images::{self, Image};
use super::support;

/// The row under the one holding `mark` (the service's selected container row).
fn row_after<'a>(screen: &'a str, mark: &str) -> Option<&'a str> {
    let mut lines = screen.lines();
    lines.find(|l| l.contains(mark))?;
    lines.next()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn angle_brackets_move_the_stats_to_the_next_service() {
    bounded(async {
        let Some((docker, run, _guard)) = support::tmux_and_shared().await else {
            return;
        };
        if images::build(&docker, Image::Sleep).await.is_none() {
            return;
        }
        let (alpha, beta) = (format!("fd-{run}-alpha"), format!("fd-{run}-beta"));
        images::run(&docker, Image::Sleep, &alpha, &run, &[], None).await;
        images::run(&docker, Image::Sleep, &beta, &run, &[], None).await;
        let dir = Dir::new(&format!(
            r#"
[release]
name = "pick"
environment = "staging"
version = "1"

[[services]]
name = "alpha"
match = {{ name = "{alpha}" }}

[[services]]
name = "beta"
match = {{ name = "{beta}" }}

[[steps]]
id = "wait"
kind = "manual"
"#
        ));
        let t = Tmux::start(dir.path(), &format!("{} run; sleep 30", bin()), 160, 48);
        // At start the first service is selected and its container shows CPU and memory.
        let s = t.wait_for("cpu ");
        assert!(
            row_after(&s, "▸alpha").is_some_and(|r| r.contains("cpu ")),
            "{s}"
        );
        t.keys(&[">"]);
        let s = t.wait_for("service `beta` selected");
        assert!(s.contains("▸beta"), "{s}");
        // The beta container's stats come from the stream the selection opened.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        let s = loop {
            let s = t.screen();
            if row_after(&s, "▸beta").is_some_and(|r| r.contains("cpu ")) {
                break s;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "no stats under the selected beta:\n{s}"
            );
            std::thread::sleep(std::time::Duration::from_millis(200));
        };
        assert!(
            !row_after(&s, "alpha").is_some_and(|r| r.contains("cpu ")),
            "the old selection's stats are gone:\n{s}"
        );
        t.keys(&["q"]);
        t.keys(&["y"]);
    })
    .await;
}
