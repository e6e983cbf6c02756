//! The real binary in tmux: keys in with `send-keys`, the screen out with `capture-pane`.

use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use flightdeck::release::{ReleaseOutcome, ReleasePhase};

use crate::run::Dir;
use crate::skip::{Component, need};

static N: AtomicUsize = AtomicUsize::new(0);

/// A private tmux server running one command; killed on drop.
pub struct Tmux {
    socket: String,
}

impl Tmux {
    /// Start `cmd` (run by `sh -c` in `dir`) in a `w`×`h` window.
    pub fn start(dir: &Path, cmd: &str, w: u16, h: u16) -> Tmux {
        let socket = format!(
            "fdtest-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        );
        let status = Command::new("tmux")
            .args([
                "-L",
                &socket,
                "-f",
                "/dev/null",
                "new-session",
                "-d",
                "-s",
                "t",
            ])
            .args(["-x", &w.to_string(), "-y", &h.to_string(), "-c"])
            .arg(dir)
            .arg(cmd)
            .env_remove("TMUX")
            .status()
            .expect("tmux starts");
        assert!(status.success(), "tmux new-session failed");
        Tmux { socket }
    }

    fn tmux(&self, args: &[&str]) -> std::process::Output {
        Command::new("tmux")
            .args(["-L", &self.socket])
            .args(args)
            .output()
            .expect("tmux runs")
    }

    /// Send keys by name (`Enter`, `Escape`, `R`).
    pub fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "t"];
        args.extend_from_slice(keys);
        self.tmux(&args);
    }

    /// Type literal text.
    pub fn text(&self, text: &str) {
        self.tmux(&["send-keys", "-t", "t", "-l", text]);
    }

    pub fn screen(&self) -> String {
        String::from_utf8_lossy(&self.tmux(&["capture-pane", "-p", "-t", "t"]).stdout).into_owned()
    }

    /// A tmux format of the pane, e.g. `#{alternate_on}`.
    pub fn display(&self, format: &str) -> String {
        String::from_utf8_lossy(
            &self
                .tmux(&["display-message", "-p", "-t", "t", format])
                .stdout,
        )
        .trim()
        .to_owned()
    }

    pub fn resize(&self, w: u16, h: u16) {
        self.tmux(&[
            "resize-window",
            "-t",
            "t",
            "-x",
            &w.to_string(),
            "-y",
            &h.to_string(),
        ]);
    }

    /// Wait (at most 10 s) until the screen contains `text`; returns the screen.
    pub fn wait_for(&self, text: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let s = self.screen();
            if s.contains(text) {
                return s;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {text:?}; screen:\n{s}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.tmux(&["kill-server"]);
    }
}

/// Wait (at most 10 s) for a file the command writes when it exits.
pub fn wait_file(path: &Path) -> String {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if let Ok(t) = std::fs::read_to_string(path)
            && !t.is_empty()
        {
            return t;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("{} never appeared", path.display());
}

pub fn bin() -> String {
    assert_cmd::cargo::cargo_bin("flightdeck")
        .display()
        .to_string()
}

#[test]
fn cockpit_evidence_run_rollback_resize_quit() {
    if !need(Component::Tmux) {
        return;
    }
    let example = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/quickstart/flightdeck.toml"),
    )
    .expect("the quickstart example");
    let d = Dir::new(&example);
    let t = Tmux::start(
        d.path(),
        &format!("{} run --operator alice; echo $? > exit.txt", bin()),
        100,
        30,
    );
    let s = t.wait_for("⏎ runs step");
    assert!(s.contains("web → staging · v1.4.2"), "{s}");
    assert!(s.contains("Deploy web 1.4.2"), "titles are rendered: {s}");
    assert!(
        !s.contains("deployed.txt"),
        "nothing runs before a key: {s}"
    );
    t.keys(&["Enter"]);
    t.wait_for("Evidence");
    // Required evidence: an empty Enter is refused and the modal stays.
    t.keys(&["Enter"]);
    t.wait_for("Evidence");
    t.text("QA-123 attached");
    t.keys(&["Enter"]);
    t.wait_for("✔ 1");
    t.keys(&["Enter"]);
    let s = t.wait_for("✔ 2");
    assert!(
        s.contains("deploying web part 3"),
        "the deploy output is in the log pane: {s}"
    );
    t.keys(&["R"]);
    let s = t.wait_for("Cancel");
    assert!(
        s.contains("Restore the previous version"),
        "the modal lists the rollback steps: {s}"
    );
    t.keys(&["y"]);
    t.wait_for("rolled back");
    t.resize(80, 24);
    std::thread::sleep(Duration::from_millis(300));
    let s = t.wait_for("rolled back");
    assert!(
        s.lines().all(|l| l.chars().count() <= 80),
        "fits 80 columns:\n{s}"
    );
    assert!(s.contains("Rollback"), "{s}");
    t.keys(&["q"]);
    assert_eq!(wait_file(&d.path().join("exit.txt")).trim(), "3");
    let (records, st) = d.latest();
    assert_eq!(st.phase, ReleasePhase::Finished(ReleaseOutcome::RolledBack));
    assert_eq!(st.steps[0].evidence.as_deref(), Some("QA-123 attached"));
    let lines: Vec<String> = records
        .iter()
        .filter(|r| r.kind.as_str() == "output")
        .flat_map(|r| r.data["lines"].as_array().cloned().unwrap_or_default())
        .filter_map(|l| l.as_str().map(str::to_owned))
        .collect();
    assert!(
        lines.iter().any(|l| l == "deploying web part 2"),
        "{lines:?}"
    );
    assert!(
        lines.iter().any(|l| l == "restored"),
        "the rollback output: {lines:?}"
    );
    assert!(!d.path().join("deployed.txt").exists(), "the rollback ran");
    d.verify_latest();
}

#[test]
fn quit_while_a_step_runs_asks_first() {
    if !need(Component::Tmux) {
        return;
    }
    let d = Dir::new(
        r#"
[release]
name = "app"
environment = "staging"
version = "1"
[[steps]]
id = "slow"
kind = "run"
run = "echo started; sleep 3; echo finished"
"#,
    );
    let t = Tmux::start(
        d.path(),
        &format!("{} run; echo $? > exit.txt", bin()),
        100,
        30,
    );
    t.wait_for("⏎ runs step");
    t.keys(&["Enter"]);
    t.wait_for("started");
    t.keys(&["q"]);
    t.wait_for("y");
    t.keys(&["n"]);
    std::thread::sleep(Duration::from_millis(200));
    assert!(
        !d.path().join("exit.txt").exists(),
        "n keeps the cockpit open"
    );
    t.wait_for("✔ 1");
    t.keys(&["q"]);
    assert_eq!(wait_file(&d.path().join("exit.txt")).trim(), "0");
}

#[test]
fn a_hang_up_lets_the_running_step_finish_and_journals_it() {
    if !need(Component::Tmux) {
        return;
    }
    let d = Dir::new(
        r#"
[release]
name = "app"
environment = "staging"
version = "1"
[[steps]]
id = "slow"
kind = "run"
run = "echo started; sleep 4; echo made > made.txt; echo marker-line"
[[steps]]
id = "next"
kind = "run"
run = "echo must-not-run > next.txt"
"#,
    );
    let t = Tmux::start(d.path(), &format!("{} run", bin()), 100, 30);
    t.wait_for("⏎ runs step");
    t.keys(&["Enter"]);
    t.wait_for("started");
    std::thread::sleep(Duration::from_secs(1));
    drop(t); // kill-server: the terminal goes away mid-step
    wait_file(&d.path().join("made.txt"));
    let deadline = Instant::now() + Duration::from_secs(10);
    while d.path().join(".flightdeck/lock").exists() {
        assert!(Instant::now() < deadline, "the lock was never released");
        std::thread::sleep(Duration::from_millis(50));
    }
    let (records, st) = d.latest();
    let kinds: Vec<&str> = records.iter().map(|r| r.kind.as_str()).collect();
    assert!(kinds.contains(&"operator-disconnected"), "{kinds:?}");
    assert_eq!(
        st.steps[0].status,
        flightdeck::release::StepStatus::Succeeded
    );
    assert_eq!(
        st.steps[0].output_tail.back().map(String::as_str),
        Some("marker-line")
    );
    assert!(
        !d.path().join("next.txt").exists(),
        "no further step starts"
    );
    d.verify_latest();
    // The next run resumes with the step already done.
    let o = d
        .cmd(&["run", "--plain", "--resume"])
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(0), "{}", crate::run::out(&o));
    assert!(d.path().join("next.txt").exists());
    let (_, st) = d.latest();
    assert_eq!(
        st.steps[0].attempts, 1,
        "the finished step was not run again"
    );
}

#[test]
fn the_armed_banner_and_countdown_a_key_stops_it_then_r_y_rolls_back() {
    if !need(Component::Tmux) {
        return;
    }
    let d = Dir::new("");
    d.write("rate", "0.0");
    let svc = crate::watch::Service::start(d.path(), "rate");
    d.write(
        "flightdeck.toml",
        &format!(
            r#"
[release]
name = "app"
environment = "staging"
version = "2.0.0"
[[gates]]
id = "error-rate"
kind = "http"
url = "http://127.0.0.1:{}/stats"
json = {{ path = "$.error_rate", condition = "result <= 0.05" }}
interval = "1s"
for = "1s"
[[steps]]
id = "watch"
kind = "watch"
duration = "60s"
triggers = ["error-rate"]
[rollback]
auto = true
auto_delay = "30s"
[[rollback.steps]]
kind = "run"
run = "echo rolled back > rolled.txt"
"#,
            svc.port
        ),
    );
    let t = Tmux::start(
        d.path(),
        &format!("{} run; echo $? > exit.txt", bin()),
        120,
        30,
    );
    t.wait_for("⏎ runs step");
    t.keys(&["Enter"]);
    t.wait_for("✔ error-rate");
    d.write("rate", "0.2");
    let s = t.wait_for("AUTO ROLLBACK in");
    assert!(
        s.contains("ROLLBACK ARMED: trigger error-rate tripped: 0.2 fails `result <= 0.05`"),
        "{s}"
    );
    t.keys(&["j"]);
    let s = t.wait_for("auto rollback stopped");
    assert!(!s.contains("AUTO ROLLBACK in"), "{s}");
    assert!(
        !d.path().join("rolled.txt").exists(),
        "a key stops the countdown"
    );
    t.keys(&["R"]);
    t.wait_for("Cancel");
    t.keys(&["y"]);
    // The finished line (the rollback step's own title also says "rolled back").
    t.wait_for("release rolled back");
    wait_file(&d.path().join("rolled.txt"));
    t.keys(&["q"]);
    assert_eq!(wait_file(&d.path().join("exit.txt")).trim(), "3");
    let (records, _) = d.latest();
    let confirmed = records
        .iter()
        .find(|r| r.kind.as_str() == "rollback-confirmed")
        .expect("confirmed");
    assert_ne!(
        confirmed.data["by"], "auto",
        "the operator confirmed it, not the countdown"
    );
}

#[test]
fn observe_follows_a_release_read_only() {
    if !need(Component::Tmux) {
        return;
    }
    let d = Dir::new(
        r#"
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
[[rollback.steps]]
kind = "run"
run = "echo rolled back > rolled.txt"
"#,
    );
    let mut run = Command::new(bin())
        .current_dir(d.path())
        .args(["run", "--plain", "--operator", "carol"])
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("run starts");
    let journal = || {
        d.state()
            .resolve("latest")
            .ok()
            .and_then(|p| std::fs::read_to_string(p).ok())
            .unwrap_or_default()
    };
    let deadline = Instant::now() + Duration::from_secs(10);
    // The step's own output line (not the `$ echo …` command line).
    while !journal().contains("[\"waiting for go\"]") {
        assert!(
            Instant::now() < deadline,
            "the release never reached step 2"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let t = Tmux::start(d.path(), &format!("{} observe; sleep 30", bin()), 100, 24);
    let s = t.wait_for("OBSERVING carol's release");
    assert!(s.contains("shop → staging · v3.1.0"), "{s}");
    assert!(s.contains("✔ 1"), "{s}");
    assert!(s.contains("▶ 2"), "{s}");
    let before = journal();
    t.keys(&["Enter", "R", "y", "x", "y"]);
    t.wait_for("read-only");
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(journal(), before, "observe never writes the journal");
    assert!(
        !d.path().join("rolled.txt").exists(),
        "R does nothing in observe"
    );
    d.write("go", "");
    t.wait_for("release completed");
    t.wait_for("✔ 2");
    assert!(run.wait().expect("run ends").success());
    t.keys(&["q"]);
}

#[test]
fn a_stale_lock_is_taken_over_after_y_in_the_cockpit() {
    if !need(Component::Tmux) {
        return;
    }
    let d = Dir::new(
        "[release]\nname = \"app\"\nenvironment = \"staging\"\nversion = \"1\"\n[[steps]]\nid = \"a\"\nkind = \"run\"\nrun = \"echo hi\"\n",
    );
    std::fs::create_dir_all(d.path().join(".flightdeck/journal")).expect("mkdir");
    // A finished process: its pid is dead on this host, so the lock is stale.
    let mut dead = Command::new("true").spawn().expect("true");
    let pid = dead.id();
    dead.wait().expect("reaped");
    let host = flightdeck::journal::lock::hostname();
    d.write(
        ".flightdeck/lock",
        &format!(r#"{{"operator":"carol","host":"{host}","pid":{pid},"started":"2026-11-25T06:00:00.000Z","release":null}}"#),
    );
    let t = Tmux::start(
        d.path(),
        &format!("{} run --operator alice; sleep 30", bin()),
        120,
        30,
    );
    let s = t.wait_for("Take it over?");
    assert!(s.contains("carol"), "the prompt names the holder: {s}");
    t.keys(&["y"]);
    t.wait_for("⏎ runs step");
    let (records, _) = d.latest();
    let taken = records
        .iter()
        .find(|r| r.kind.as_str() == "lock-taken-over")
        .expect("journaled");
    assert!(
        taken.data["previous_holder"]
            .as_str()
            .unwrap_or_default()
            .contains("carol")
    );
    t.keys(&["q"]);
}

#[test]
fn over_ssh_without_tmux_a_protected_release_warns_in_the_header() {
    if !need(Component::Tmux) {
        return;
    }
    let d = Dir::new(
        "[release]\nname = \"app\"\nenvironment = \"production\"\nversion = \"1\"\n[[steps]]\nid = \"a\"\nkind = \"run\"\nrun = \"echo hi\"\n",
    );
    let t = Tmux::start(
        d.path(),
        &format!(
            "env -u TMUX -u STY SSH_CONNECTION='127.0.0.1 50000 127.0.0.1 22' {} run; sleep 30",
            bin()
        ),
        120,
        30,
    );
    let s = t.wait_for("⏎ runs step");
    assert!(
        s.contains("over SSH without tmux/screen: a dropped connection pauses the release"),
        "{s}"
    );
    assert!(s.contains("PRODUCTION"), "{s}");
    t.keys(&["q"]);
}
