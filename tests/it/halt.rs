//! Journal first, in the cockpit: when the journal cannot be written (a full disk), the release
//! halts and the screen never shows the step whose records were lost as done.

use crate::faults::{FLOOD, Tmpfs};
use crate::run::Dir;
use crate::skip::{Component, need};
use crate::tmux::{Tmux, bin};

#[test]
fn a_full_disk_halts_the_cockpit_with_the_step_shown_not_done() {
    if !need(Component::Tmux) {
        return;
    }
    let d = Dir::new(FLOOD);
    let Some(_fs) = Tmpfs::mount(&d.path().join(".flightdeck"), "64k") else {
        return;
    };
    // No library backtraces: capturing one with RUST_BACKTRACE=1 takes seconds on a loaded
    // machine, which would only delay the HALTED line.
    let t = Tmux::start(
        d.path(),
        &format!("RUST_BACKTRACE=0 {} run", bin()),
        120,
        30,
    );
    t.wait_for("⏎ runs step 1");
    t.keys(&["Enter"]);
    t.wait_for("✔ 1");
    t.keys(&["Enter"]);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(40);
    let mut s = t.screen();
    while !s.contains("HALTED") {
        assert!(std::time::Instant::now() < deadline, "never halted:\n{s}");
        std::thread::sleep(std::time::Duration::from_millis(100));
        s = t.screen();
    }
    assert!(
        !s.lines().any(|l| l.contains("✔ 2")),
        "the flood step is not shown as done:\n{s}"
    );
    // Nothing more runs: ⏎ is refused, and the third step never starts.
    std::thread::sleep(std::time::Duration::from_millis(500));
    t.keys(&["Enter"]);
    let s = t.wait_for("HALTED");
    assert!(!s.lines().any(|l| l.contains("✔ 2")), "{s}");
    assert!(!d.path().join("after.txt").exists());
}
