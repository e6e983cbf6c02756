//! `flightdeck demo` driven through the whole story in tmux; completions and the man page.

use std::process::Command;
use std::time::Duration;

use crate::tmux::{Tmux, bin, missing, wait_file};

fn demo_processes() -> usize {
    let out = Command::new("ps")
        .args(["-eo", "args"])
        .output()
        .expect("ps");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| l.contains("demo-service") && l.contains("flightdeck-demo-"))
        .count()
}

#[test]
fn the_demo_tells_the_whole_story_and_cleans_up() {
    if missing("tmux", Tmux::available()) {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let t = Tmux::start(
        dir.path(),
        &format!("{} demo; echo $? > exit.txt; sleep 30", bin()),
        110,
        32,
    );
    let s = t.wait_for("Press ⏎ to run the preflight gates");
    assert!(
        s.contains("demo-shop → staging · v2.0.0 (prev v1.0.0)"),
        "{s}"
    );
    // The first screen explains its ✖ and knows the live version.
    t.wait_for("✖ version    1.0.0 (want 2.0.0)");
    t.wait_for("current  1.0.0 (live)");
    t.keys(&["Enter"]);
    t.wait_for("✔ 1 Preflight");
    t.wait_for("give its evidence");
    t.keys(&["Enter"]);
    t.wait_for("record it as evidence");
    t.text("QA-42 passed");
    t.keys(&["Enter"]);
    t.wait_for("Press ⏎ to deploy v2");
    t.keys(&["Enter"]);
    t.wait_for("Press ⏎ to smoke-test v2");
    t.keys(&["Enter"]);
    t.wait_for("✔ version    2.0.0");
    t.wait_for("current  2.0.0 (live)");
    t.wait_for("Press ⏎ to watch");
    t.keys(&["Enter"]);
    t.wait_for("Watching: v2 serves 20% errors");
    let s = t.wait_for("press R, then y");
    assert!(
        s.contains("ROLLBACK ARMED: trigger error-rate tripped: 0.2"),
        "{s}"
    );
    t.keys(&["R"]);
    t.wait_for("press y to confirm the rollback");
    t.keys(&["y"]);
    let s = t.wait_for("v1 is back and healthy");
    assert!(s.contains("✔ 2 v1 healthy again"), "{s}");
    assert!(s.contains("release rolled back"), "{s}");
    t.wait_for("current  1.0.0 (live)");
    t.keys(&["q"]);
    assert_eq!(wait_file(&dir.path().join("exit.txt")).trim(), "0");
    let s = t.screen();
    assert!(
        s.contains("flightdeck-demo-report.md"),
        "the end offers the report: {s}"
    );
    let report = std::fs::read_to_string(std::env::temp_dir().join("flightdeck-demo-report.md"))
        .expect("the report");
    assert!(report.contains("- Evidence: QA-42 passed"), "{report}");
    assert!(
        report.contains("`flightdeck journal verify`: passes"),
        "{report}"
    );
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(demo_processes(), 0, "no demo process is left behind");
}

#[test]
fn completions_are_accepted_by_bash_and_the_man_page_by_man() {
    let o = Command::new(bin())
        .args(["completions", "bash"])
        .output()
        .expect("runs");
    assert!(o.status.success());
    let dir = tempfile::tempdir().expect("tempdir");
    let script = dir.path().join("flightdeck.bash");
    std::fs::write(&script, &o.stdout).expect("write");
    let check = Command::new("bash")
        .arg("-c")
        .arg(format!(
            "source {} && complete -p flightdeck",
            script.display()
        ))
        .output()
        .expect("bash");
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
    assert!(String::from_utf8_lossy(&check.stdout).contains("flightdeck"));
    for shell in ["zsh", "fish"] {
        let o = Command::new(bin())
            .args(["completions", shell])
            .output()
            .expect("runs");
        assert!(o.status.success() && !o.stdout.is_empty(), "{shell}");
    }
    let o = Command::new(bin()).arg("man").output().expect("runs");
    assert!(o.status.success());
    let page = String::from_utf8_lossy(&o.stdout);
    assert!(page.contains(".TH flightdeck"), "{page}");
    let man = dir.path().join("flightdeck.1");
    std::fs::write(&man, &o.stdout).expect("write");
    if Command::new("man")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
    {
        let shown = Command::new("man")
            .arg("-l")
            .arg(&man)
            .env("MANPAGER", "cat")
            .env("PAGER", "cat")
            .output()
            .expect("man");
        assert!(
            shown.status.success(),
            "{}",
            String::from_utf8_lossy(&shown.stderr)
        );
        assert!(String::from_utf8_lossy(&shown.stdout).contains("release cockpit"));
    }
}

fn docker_up() -> bool {
    Command::new("docker")
        .args(["version", "--format", "{{.Server.Version}}"])
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn the_docker_demo_runs_the_story_with_containers_and_removes_them() {
    if missing("tmux", Tmux::available()) || missing("a Docker daemon", docker_up()) {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let t = Tmux::start(
        dir.path(),
        &format!("{} demo --docker; echo $? > exit.txt; sleep 30", bin()),
        120,
        32,
    );
    t.wait_for("Press ⏎ to run the preflight gates");
    // The container, live in the services pane (events, once connected).
    t.wait_for("shop ● flightdeck-demo-");
    // Its log, followed live: busybox httpd logs each response (the healthcheck's too).
    t.wait_for("127.0.0.1:");
    t.wait_for("response:200");
    t.keys(&["Enter"]);
    t.wait_for("give its evidence");
    t.keys(&["Enter"]);
    t.text("QA-42");
    t.keys(&["Enter"]);
    t.wait_for("Press ⏎ to deploy v2");
    t.keys(&["Enter"]);
    t.wait_for("Press ⏎ to smoke-test v2");
    t.keys(&["Enter"]);
    t.wait_for("Press ⏎ to watch");
    t.keys(&["Enter"]);
    t.wait_for("press R, then y");
    t.keys(&["R"]);
    t.wait_for("press y to confirm the rollback");
    t.keys(&["y"]);
    t.wait_for("v1 is back and healthy");
    t.keys(&["q"]);
    assert_eq!(wait_file(&dir.path().join("exit.txt")).trim(), "0");
    let left = Command::new("docker")
        .args([
            "ps",
            "-a",
            "--filter",
            "label=flightdeck.demo",
            "--format",
            "{{.Names}}",
        ])
        .output()
        .expect("docker ps");
    assert!(
        left.stdout.is_empty(),
        "containers left: {}",
        String::from_utf8_lossy(&left.stdout)
    );
}

#[test]
fn the_docker_demo_says_clearly_when_no_daemon_is_found() {
    let o = Command::new(bin())
        .args(["demo", "--docker"])
        .env("DOCKER_HOST", "unix:///nonexistent/docker.sock")
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("no Docker daemon found at unix:///nonexistent/docker.sock"),
        "{err}"
    );
}
