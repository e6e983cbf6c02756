//! `flightdeck demo` driven through the whole story in tmux; completions and the man page.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use crate::skip::{Component, need, need_all};
use crate::tmux::{Tmux, bin, wait_file};

/// The `flightdeck demo-service` processes (argv[1], as `src/demo` starts them) whose working
/// directory is under `root` (the demo's directory, even once deleted): `(pid, command line)`.
fn demo_processes(root: &Path) -> Vec<(i32, String)> {
    let mut found = Vec::new();
    for e in std::fs::read_dir("/proc").expect("/proc").flatten() {
        let Ok(pid) = e.file_name().to_string_lossy().parse::<i32>() else {
            continue;
        };
        let Ok(cmdline) = std::fs::read(e.path().join("cmdline")) else {
            continue;
        };
        let args: Vec<String> = cmdline
            .split(|&b| b == 0)
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect();
        let cwd = std::fs::read_link(e.path().join("cwd")).unwrap_or_default();
        if args.get(1).is_some_and(|a| a == "demo-service") && cwd.starts_with(root) {
            found.push((pid, args.join(" ")));
        }
    }
    found
}

/// A per-test temporary directory for the demo (`TMPDIR`, so its working directory and
/// services are this test's) and the report path: `(env prefix, tmp, report)`.
fn demo_paths(dir: &Path) -> (String, std::path::PathBuf, std::path::PathBuf) {
    let tmp = dir.join("tmp");
    std::fs::create_dir_all(&tmp).expect("tmp");
    let report = dir.join("flightdeck-demo-report.md");
    (format!("TMPDIR='{}'", tmp.display()), tmp, report)
}

#[test]
fn the_demo_tells_the_whole_story_and_cleans_up() {
    if !need(Component::Tmux) {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let (env, tmp, report) = demo_paths(dir.path());
    let t = Tmux::start(
        dir.path(),
        &format!(
            "{env} {} demo --report '{}'; echo $? > exit.txt; sleep 30",
            bin(),
            report.display()
        ),
        110,
        32,
    );
    let s = t.wait_for("Press ⏎ to run the preflight gates");
    assert_eq!(demo_processes(&tmp).len(), 1, "v1 runs, found by the count");
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
    // A background watch: the checklist moves on to the announcement while it runs.
    t.wait_for("Watching v2 in the background");
    let s = t.wait_for("press R, then y");
    assert!(s.contains("· 6 Announce v2.0.0 in #releases"), "{s}");
    assert!(
        s.contains("ROLLBACK ARMED: trigger error-rate tripped: 0.2"),
        "{s}"
    );
    // `g` charts the trigger that tripped: its threshold line and its fail mark.
    t.keys(&["g"]);
    t.wait_for("threshold: result <= 0.05");
    t.wait_for("error-rate · step watch · watch ended");
    // Every measurement failed.
    t.wait_for("• 0 pass ⚠ 0 warn ✖ ");
    t.wait_for("line is its threshold");
    t.keys(&["Escape"]);
    t.wait_for("press R, then y");
    t.keys(&["R"]);
    t.wait_for("press y to confirm the rollback");
    t.keys(&["y"]);
    let s = t.wait_for("v1 is back and healthy");
    assert_eq!(demo_processes(&tmp).len(), 1, "v1 runs again, v2 is gone");
    assert!(s.contains("✔ 2 v1 healthy again"), "{s}");
    assert!(s.contains("release rolled back"), "{s}");
    t.wait_for("current  1.0.0 (live)");
    t.keys(&["q"]);
    assert_eq!(wait_file(&dir.path().join("exit.txt")).trim(), "0");
    let s = t.screen();
    assert!(
        s.replace('\n', "").contains(&report.display().to_string()),
        "the end offers the report: {s}"
    );
    let report = std::fs::read_to_string(&report).expect("the report");
    assert!(report.contains("- Evidence: QA-42 passed"), "{report}");
    assert!(
        report.contains("`flightdeck journal verify`: passes"),
        "{report}"
    );
    std::thread::sleep(Duration::from_millis(300));
    let left = demo_processes(&tmp);
    for (pid, _) in &left {
        let _ = nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(*pid),
            nix::sys::signal::Signal::SIGKILL,
        );
    }
    assert!(left.is_empty(), "demo processes left behind: {left:?}");
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

#[test]
fn the_docker_demo_runs_the_story_with_containers_and_removes_them() {
    if !need_all(&[Component::Tmux, Component::Dockerd]) {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let (env, tmp, report) = demo_paths(dir.path());
    let t = Tmux::start(
        dir.path(),
        &format!(
            "{env} {} demo --docker --report '{}'; echo $? > exit.txt; sleep 30",
            bin(),
            report.display()
        ),
        120,
        32,
    );
    // The demo builds its two images first (without the layer cache): slow on a busy host.
    t.wait_for_within(
        "Press ⏎ to run the preflight gates",
        std::time::Duration::from_secs(90),
    );
    // This demo's id (its directory is `flightdeck-demo-<id>`): other demos may share the daemon.
    let id = std::fs::read_dir(&tmp)
        .expect("tmp")
        .flatten()
        .find_map(|e| {
            let n = e.file_name().to_string_lossy().into_owned();
            n.strip_prefix("flightdeck-demo-").map(str::to_owned)
        })
        .expect("the demo's directory");
    assert_eq!(demo_containers(&id), format!("flightdeck-demo-{id}\n"));
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
    let report = std::fs::read_to_string(&report).expect("the report");
    assert!(report.contains("- Evidence: QA-42"), "{report}");
    let left = demo_containers(&id);
    assert!(left.is_empty(), "containers left: {left}");
}

/// The names of the containers of the Docker demo `id`, one a line.
fn demo_containers(id: &str) -> String {
    let o = Command::new("docker")
        .args([
            "ps",
            "-a",
            "--filter",
            &format!("label=flightdeck.demo={id}"),
        ])
        .args(["--format", "{{.Names}}"])
        .output()
        .expect("docker ps");
    String::from_utf8_lossy(&o.stdout).into_owned()
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
