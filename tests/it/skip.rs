//! The one skip rule for tests that need a real component (Docker, Prometheus, tmux,
//! busybox): without it a test prints a SKIP line and returns, unless
//! `FLIGHTDECK_REQUIRE_DOCKER=1` (CI) requires every real-component test to run, and then it
//! fails.

/// Whether the component is missing (SKIP printed), failing under the requirement.
pub fn missing(what: &str, available: bool) -> bool {
    if available {
        return false;
    }
    assert!(
        std::env::var("FLIGHTDECK_REQUIRE_DOCKER").as_deref() != Ok("1"),
        "{what} is required (FLIGHTDECK_REQUIRE_DOCKER=1) but not available"
    );
    eprintln!("SKIP: {what} is not available");
    true
}
