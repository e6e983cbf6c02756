//! The demo service's request-latency histogram, `http_request_duration_seconds`, written in
//! the Prometheus text exposition format (cumulative `_bucket{le}` series ending in
//! `le="+Inf"`, then `_sum` and `_count`), for `histogram_quantile` queries.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::Duration;

/// Upper bounds of the buckets, in seconds; they straddle seed 004's "p99 > 2 s".
pub const BOUNDS: [f64; 9] = [0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 2.5, 5.0, 10.0];

/// Counts per bucket (not cumulative: the exposition adds them up), the sum and the count.
#[derive(Default)]
pub struct Histogram {
    /// Observations per bucket; the last one is above every bound (`+Inf` only).
    buckets: [AtomicU64; BOUNDS.len() + 1],
    /// Sum of the observations, in microseconds.
    sum_us: AtomicU64,
    count: AtomicU64,
}

impl Histogram {
    /// Records one request that took `took`.
    pub fn observe(&self, took: Duration) {
        let secs = took.as_secs_f64();
        let i = BOUNDS
            .iter()
            .position(|b| secs <= *b)
            .unwrap_or(BOUNDS.len());
        self.buckets[i].fetch_add(1, Relaxed);
        let us = u64::try_from(took.as_micros()).unwrap_or(u64::MAX);
        self.sum_us.fetch_add(us, Relaxed);
        self.count.fetch_add(1, Relaxed);
    }

    /// Appends the histogram's exposition to `out`.
    pub fn write(&self, out: &mut String) {
        out.push_str(
            "# HELP http_request_duration_seconds Time to answer a request, by bucket.\n\
             # TYPE http_request_duration_seconds histogram\n",
        );
        let mut total = 0;
        for (i, n) in self.buckets.iter().enumerate() {
            total += n.load(Relaxed);
            let le = BOUNDS
                .get(i)
                .map_or_else(|| "+Inf".to_owned(), f64::to_string);
            let _ = writeln!(
                out,
                "http_request_duration_seconds_bucket{{le=\"{le}\"}} {total}"
            );
        }
        #[allow(clippy::cast_precision_loss)]
        let sum = self.sum_us.load(Relaxed) as f64 / 1e6;
        let _ = writeln!(out, "http_request_duration_seconds_sum {sum}");
        // The count is the +Inf bucket (read once, so they agree under concurrent requests).
        let _ = writeln!(out, "http_request_duration_seconds_count {total}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series(text: &str, name: &str) -> f64 {
        let line = text
            .lines()
            .find(|l| l.starts_with(name) && l[name.len()..].starts_with(' '))
            .unwrap_or_else(|| panic!("no `{name}` in\n{text}"));
        line.rsplit(' ').next().unwrap().parse().unwrap()
    }

    #[test]
    fn buckets_are_cumulative_and_inf_is_the_count() {
        let h = Histogram::default();
        for ms in [10, 50, 70, 300, 2_000, 2_400, 3_000, 20_000] {
            h.observe(Duration::from_millis(ms));
        }
        let mut t = String::new();
        h.write(&mut t);
        assert!(
            t.contains("# TYPE http_request_duration_seconds histogram\n"),
            "{t}"
        );
        let b = |le: &str| {
            series(
                &t,
                &format!("http_request_duration_seconds_bucket{{le=\"{le}\"}}"),
            )
        };
        // le is inclusive: 50 ms is in the 0.05 bucket, 2 s in the 2 bucket.
        let want = [
            ("0.05", 2.0),
            ("0.1", 3.0),
            ("0.25", 3.0),
            ("0.5", 4.0),
            ("1", 4.0),
            ("2", 5.0),
            ("2.5", 6.0),
            ("5", 7.0),
            ("10", 7.0),
            ("+Inf", 8.0),
        ];
        for (le, n) in want {
            assert!((b(le) - n).abs() < f64::EPSILON, "le={le}: {}\n{t}", b(le));
        }
        let les: Vec<_> = t
            .lines()
            .filter_map(|l| l.split("le=\"").nth(1)?.split('"').next())
            .collect();
        assert_eq!(
            les,
            [
                "0.05", "0.1", "0.25", "0.5", "1", "2", "2.5", "5", "10", "+Inf"
            ],
            "in order, +Inf last"
        );
        assert!((series(&t, "http_request_duration_seconds_count") - 8.0).abs() < f64::EPSILON);
        let sum = series(&t, "http_request_duration_seconds_sum");
        assert!((sum - 27.83).abs() < 1e-9, "{sum}");
    }

    #[test]
    fn an_empty_histogram_has_every_bucket_at_zero() {
        let mut t = String::new();
        Histogram::default().write(&mut t);
        assert_eq!(t.matches("_bucket{").count(), BOUNDS.len() + 1, "{t}");
        assert!(t.contains("http_request_duration_seconds_bucket{le=\"+Inf\"} 0\n"));
        assert!(t.contains("http_request_duration_seconds_sum 0\n"));
        assert!(t.contains("http_request_duration_seconds_count 0\n"));
    }
}
