//! One release, one set of rules, three front ends. A trigger trips and the auto rollback fires
//! after its countdown: headless (`run --plain --auto-approve`), in the cockpit (tmux, no key
//! pressed), and watched read-only by `observe` from a second terminal. The journals tell the
//! same story, the rollback is confirmed by `auto` in both, and both runs exit 3.

use std::time::Duration;

use crate::run::Dir;
use crate::skip::{Component, need};
use crate::tmux::{Tmux, bin, wait_file};
use crate::watch::Service;

fn runbook(port: u16) -> String {
    format!(
        r#"
[release]
name = "app"
environment = "staging"
version = "2.0.0"

[[gates]]
id = "error-rate"
kind = "http"
url = "http://127.0.0.1:{port}/stats"
json = {{ path = "$.error_rate", condition = "result <= 0.05" }}
interval = "1s"
for = "1s"

[[steps]]
id = "deploy"
kind = "run"
run = "echo v2 > version.txt"

[[steps]]
id = "watch"
kind = "watch"
duration = "60s"
triggers = ["error-rate"]

[rollback]
auto = true
auto_delay = "2s"

[[rollback.steps]]
kind = "run"
run = "echo v1 > version.txt"
"#
    )
}

/// The journal's story: every record but output, measurements and notes, with who confirmed
/// the rollback.
fn story(d: &Dir) -> Vec<String> {
    let (records, _) = d.latest();
    records
        .iter()
        .filter(|r| !matches!(r.kind.as_str(), "output" | "gate-result" | "note"))
        .map(|r| match r.kind.as_str() {
            "rollback-confirmed" => format!("rollback-confirmed by {}", r.data["by"]),
            k => format!("{k} {}", r.step.as_deref().unwrap_or("")),
        })
        .collect()
}

#[test]
fn a_trip_and_its_auto_rollback_are_the_same_in_plain_the_cockpit_and_observe() {
    if !need(Component::Tmux) {
        return;
    }
    // Headless.
    let plain = Dir::new("");
    plain.write("rate", "0.2");
    let svc = Service::start(plain.path(), "rate");
    plain.write("flightdeck.toml", &runbook(svc.port));
    let headless = plain
        .cmd(&["run", "--plain", "--auto-approve"])
        .output()
        .expect("runs");
    let text = String::from_utf8_lossy(&headless.stdout);
    assert_eq!(headless.status.code(), Some(3), "{text}");
    assert!(text.contains("auto rollback in 2s"), "{text}");

    // The cockpit, nobody at the keys once the watch runs; observe in a second terminal.
    let cockpit = Dir::new("");
    cockpit.write("rate", "0.2");
    let svc2 = Service::start(cockpit.path(), "rate");
    cockpit.write("flightdeck.toml", &runbook(svc2.port));
    let t = Tmux::start(
        cockpit.path(),
        &format!("{} run; echo $? > exit.txt", bin()),
        120,
        30,
    );
    t.wait_for("⏎ runs step");
    t.keys(&["Enter"]);
    t.wait_for("✔ 1");
    let obs = Tmux::start(cockpit.path(), &format!("{} observe", bin()), 120, 30);
    obs.wait_for("OBSERVING");
    t.keys(&["Enter"]);
    let s = t.wait_for("AUTO ROLLBACK in");
    assert!(
        s.contains("ROLLBACK ARMED: trigger error-rate tripped"),
        "{s}"
    );
    // The observer sees the banner too, and the rollback, without a key.
    let seen = obs.wait_for("ROLLBACK ARMED");
    assert!(seen.contains("read-only"), "{seen}");
    t.wait_for("release rolled back");
    obs.wait_for("release rolled back");
    t.keys(&["q"]);
    assert_eq!(wait_file(&cockpit.path().join("exit.txt")).trim(), "3");
    obs.keys(&["q"]);
    std::thread::sleep(Duration::from_millis(200));

    let (a, b) = (story(&plain), story(&cockpit));
    assert_eq!(
        a, b,
        "the same release tells the same story headless and in the cockpit"
    );
    assert!(
        a.contains(&"rollback-confirmed by \"auto\"".to_owned()),
        "{a:?}"
    );
    for d in [&plain, &cockpit] {
        assert_eq!(
            std::fs::read_to_string(d.path().join("version.txt"))
                .expect("version")
                .trim(),
            "v1"
        );
        d.verify_latest();
    }
}
