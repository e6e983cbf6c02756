//! Reconnecting a container's log stream: the backoff between attempts (0.5 s doubling to
//! 10 s, reset once a stream shows a line or stays open that long) and the marker lines that
//! say, in the source's own pane, that its stream ended or failed and is being reopened.

use std::time::Duration;

/// The first delay after a stream ends or fails.
pub const FIRST: Duration = Duration::from_millis(500);
/// The longest delay between two attempts.
pub const MAX: Duration = Duration::from_secs(10);

/// Delays between reconnect attempts: [`FIRST`], doubling up to [`MAX`].
#[derive(Debug, Clone)]
pub struct Backoff {
    next: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff { next: FIRST }
    }
}

impl Backoff {
    /// The delay before the next attempt; the one after is twice as long (at most [`MAX`]).
    pub fn next_delay(&mut self) -> Duration {
        let d = self.next;
        self.next = (d * 2).min(MAX);
        d
    }

    /// A stream worked: the next failure waits [`FIRST`] again.
    pub fn reset(&mut self) {
        self.next = FIRST;
    }
}

/// `0.5s`, `1s`, `10s`.
pub fn secs(d: Duration) -> String {
    if d.subsec_millis() == 0 {
        format!("{}s", d.as_secs())
    } else {
        format!("{:.1}s", d.as_secs_f64())
    }
}

/// The marker for a stream that ended (the container stopped, the daemon closed it).
pub fn ended(reason: &str) -> String {
    format!("— stream ended: {}; reconnecting —", one_line(reason))
}

/// The marker for a stream that could not be opened or broke, reopened after `delay`.
pub fn failed(reason: &str, delay: Duration) -> String {
    format!(
        "— stream failed: {}; reconnecting in {} —",
        one_line(reason),
        secs(delay)
    )
}

/// The marker for a stream stopped for good: its container was removed.
pub fn removed() -> String {
    "— stream stopped: the container was removed —".to_owned()
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_half_a_second_to_ten_and_resets() {
        let mut b = Backoff::default();
        let got: Vec<String> = (0..8).map(|_| secs(b.next_delay())).collect();
        assert_eq!(got, ["0.5s", "1s", "2s", "4s", "8s", "10s", "10s", "10s"]);
        b.reset();
        assert_eq!(b.next_delay(), Duration::from_millis(500));
        assert_eq!(b.next_delay(), Duration::from_secs(1));
    }

    #[test]
    fn markers_read_as_one_line() {
        assert_eq!(
            ended("the container exited (code 137)"),
            "— stream ended: the container exited (code 137); reconnecting —"
        );
        assert_eq!(
            failed("connection\nrefused", Duration::from_millis(500)),
            "— stream failed: connection refused; reconnecting in 0.5s —"
        );
        assert_eq!(
            failed("x", Duration::from_secs(10)),
            "— stream failed: x; reconnecting in 10s —"
        );
    }
}
