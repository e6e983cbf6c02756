//! The trigger chart in the real cockpit: a watch measures the demo service's error rate;
//! in the gates pane, `g` opens the chart (axis, threshold, time left) and `Esc` closes it.

use super::{Tmux, bin};
use crate::run::Dir;
use crate::skip::{Component, need};
use crate::watch::Service;

#[test]
fn g_in_the_gates_pane_shows_the_triggers_chart() {
    if !need(Component::Tmux) {
        return;
    }
    let d = Dir::new("");
    d.write("rate", "0.01");
    let svc = Service::start(d.path(), "rate");
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

[[steps]]
id = "deploy"
kind = "run"
run = "echo v2 > version.txt"

[[steps]]
id = "soak"
kind = "watch"
duration = "2m"
triggers = ["error-rate"]

[[rollback.steps]]
kind = "run"
run = "echo v1 > version.txt"
"#,
            svc.port
        ),
    );
    let t = Tmux::start(d.path(), &format!("{} run --operator alice", bin()), 80, 24);
    t.wait_for("⏎ runs step");
    t.keys(&["Enter"]);
    t.wait_for("✔ 1");
    t.keys(&["Enter"]);
    t.wait_for("✔ error-rate 0.01");
    std::thread::sleep(std::time::Duration::from_millis(2500));
    // Logs → checklist → services → gates; ↓ selects the first gate.
    t.keys(&["Tab", "Tab", "Tab", "Down"]);
    t.wait_for("▸✔ error-rate");
    t.keys(&["g"]);
    // A whole frame: the screen may be read while the terminal is still drawing.
    let s = until(&t, |s| {
        s.contains("threshold: result <= 0.05") && s.contains("esc close") && s.contains("2:00")
    });
    assert!(
        s.contains("error-rate · step soak · 01:"),
        "title with time left: {s}"
    );
    assert!(
        s.contains("0:00") && s.contains("2:00"),
        "the x axis spans the watch: {s}"
    );
    assert!(
        s.contains('─') && s.contains('•'),
        "threshold line and pass marks: {s}"
    );
    assert!(s.contains("pass ⚠ 0 warn ✖ 0 fail"), "{s}");
    assert!(
        s.lines().all(|l| l.chars().count() <= 80),
        "fits 80 columns:\n{s}"
    );
    t.resize(200, 60);
    let s = until(&t, |s| {
        s.lines().count() >= 59
            && s.lines()
                .any(|l| l.contains("2:00") && l.chars().count() > 150)
    });
    assert!(
        s.contains("esc close") && s.contains("threshold: result <= 0.05"),
        "{s}"
    );
    t.keys(&["Escape"]);
    // Esc closes the chart; the footer offers `g` again (a whole frame: the screen is read
    // while the terminal may still be drawing).
    let s = until(&t, |s| {
        s.contains("g chart") && !s.contains("esc close") && !s.contains("threshold:")
    });
    assert!(s.contains("Checklist"), "{s}");
    t.keys(&["q"]);
    t.wait_for("y");
    t.keys(&["y"]);
}

/// Wait (at most 10 s) until the screen satisfies `ok`; returns it.
fn until(t: &Tmux, ok: impl Fn(&str) -> bool) -> String {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let s = t.screen();
        if ok(&s) {
            return s;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "timed out; screen:\n{s}"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}
