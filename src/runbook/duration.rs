//! Durations (DESIGN.md §2.1, §3.2): the one parser every duration goes through, bounded to a
//! year, and saturating arithmetic so no deadline computed from a duration can overflow.

use std::fmt;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};

/// The longest duration a runbook (or a `--set` value a template renders) may give: one year as
/// humantime reads `1y`, 365.25 days.
pub const MAX: Duration = Duration::from_secs(31_557_600);

/// How [`MAX`] is said in messages.
pub const MAX_TEXT: &str = "1 year (1y = 365.25 days)";

/// Far enough ahead to mean "never" for a deadline, yet safe to add to any `Instant` (tokio's own
/// far future is 30 years).
const FAR_FUTURE: Duration = Duration::from_secs(30 * 31_557_600);

/// Why a duration's text was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DurationError {
    /// Not a duration at all ("10 parsecs").
    Invalid,
    /// A duration longer than [`MAX`], or too long to represent.
    TooLong,
}

impl fmt::Display for DurationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DurationError::Invalid => f.write_str("not a duration like \"30s\" or \"2m\""),
            DurationError::TooLong => {
                write!(f, "the longest duration flightdeck accepts is {MAX_TEXT}")
            }
        }
    }
}

/// Parse a duration ("30s", "2m", "1h 30m") with humantime and bound it to [`MAX`].
pub fn parse(text: &str) -> Result<Duration, DurationError> {
    match humantime::parse_duration(text.trim()) {
        Ok(d) if d <= MAX => Ok(d),
        Ok(_) => Err(DurationError::TooLong),
        // humantime says "overflow" both for a number too large and for a fraction it cannot
        // represent ("1.5ns"): without its fractions, is the text still too long?
        Err(humantime::DurationError::NumberOverflow) => {
            let whole = without_fractions(text);
            if whole == text || parse(&whole) == Err(DurationError::TooLong) {
                Err(DurationError::TooLong)
            } else {
                Err(DurationError::Invalid)
            }
        }
        Err(_) => Err(DurationError::Invalid),
    }
}

/// `text` without the `.digits` of its numbers.
fn without_fractions(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_fraction = false;
    for c in text.chars() {
        in_fraction = c == '.' || (in_fraction && c.is_ascii_digit());
        if !in_fraction {
            out.push(c);
        }
    }
    out
}

/// `at + d`, or the last instant chrono represents when that would overflow.
#[must_use]
pub fn saturating_add(at: DateTime<Utc>, d: Duration) -> DateTime<Utc> {
    TimeDelta::from_std(d)
        .ok()
        .and_then(|d| at.checked_add_signed(d))
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// A deadline `d` after `at`; when that cannot be represented, 30 years after `at` (or `at`
/// itself on a clock that ends sooner), which means "never" to a sleeping task.
#[must_use]
pub fn instant_after(at: tokio::time::Instant, d: Duration) -> tokio::time::Instant {
    at.checked_add(d)
        .or_else(|| at.checked_add(FAR_FUTURE))
        .unwrap_or(at)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_accepts_up_to_one_year_and_refuses_more() {
        assert_eq!(parse(" 30s "), Ok(Duration::from_secs(30)));
        assert_eq!(parse("1y"), Ok(MAX));
        assert_eq!(parse("365d 6h"), Ok(MAX));
        assert_eq!(parse("365d 6h 1ns"), Err(DurationError::TooLong));
        assert_eq!(parse("1000000y"), Err(DurationError::TooLong));
        assert_eq!(parse("99999999999999999999y"), Err(DurationError::TooLong));
        assert_eq!(
            parse("99999999999999999999.5y"),
            Err(DurationError::TooLong)
        );
        assert_eq!(parse("1.5ns"), Err(DurationError::Invalid));
        assert_eq!(parse("10 parsecs"), Err(DurationError::Invalid));
        assert_eq!(parse(""), Err(DurationError::Invalid));
    }

    #[test]
    fn saturating_add_stops_at_the_last_date() {
        let t = DateTime::<Utc>::from_timestamp(1_760_000_000, 0).unwrap_or_default();
        assert_eq!(
            saturating_add(t, Duration::from_secs(2)).timestamp(),
            1_760_000_002
        );
        let huge = Duration::from_secs(31_557_600 * 1_000_000);
        assert_eq!(saturating_add(t, huge), DateTime::<Utc>::MAX_UTC);
        assert_eq!(saturating_add(t, Duration::MAX), DateTime::<Utc>::MAX_UTC);
        let last = DateTime::<Utc>::MAX_UTC;
        assert_eq!(saturating_add(last, Duration::from_secs(1)), last);
    }

    #[test]
    fn instant_after_falls_back_to_the_far_future() {
        let now = tokio::time::Instant::now();
        assert_eq!(
            instant_after(now, Duration::from_secs(5)),
            now + Duration::from_secs(5)
        );
        assert_eq!(instant_after(now, Duration::MAX), now + FAR_FUTURE);
    }
}
