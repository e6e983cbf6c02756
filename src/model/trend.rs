//! A trigger's measurements over a watch (time, pass/warn/fail/error, numeric value) and their
//! statistics (samples, counts, min / median / p95 / max), shared by the cockpit's chart (`g`)
//! and the report's "Triggers" section.
//!
//! Definitions: the median of an even count is the mean of the two middle values; p95 is the
//! nearest-rank percentile, the value at rank ⌈0.95 · n⌉ of the sorted values (1-based), so
//! it is always a measured value (for 20 values, the 19th smallest; for fewer than 20, the
//! largest).

use chrono::{DateTime, Utc};

/// How one measurement ended, as journaled in a `gate-result` record's `state`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    Pass,
    Warn,
    Fail,
    Error,
}

impl Mark {
    /// The record's `state` (`pass`, `warn`, `fail`; anything else is an error).
    pub fn parse(state: &str) -> Mark {
        match state {
            "pass" => Mark::Pass,
            "warn" => Mark::Warn,
            "fail" => Mark::Fail,
            _ => Mark::Error,
        }
    }

    /// The mark drawn for it (never colour alone).
    pub fn symbol(self) -> char {
        match self {
            Mark::Pass => '•',
            Mark::Warn => '⚠',
            Mark::Fail => '✖',
            Mark::Error => '?',
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Mark::Pass => "pass",
            Mark::Warn => "warn",
            Mark::Fail => "fail",
            Mark::Error => "error",
        }
    }
}

/// One measurement of a trigger.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    pub at: DateTime<Utc>,
    pub mark: Mark,
    /// The numeric value, when the measurement had one.
    pub value: Option<f64>,
}

/// The numeric value of a `gate-result` record's `value`: a number, or a string that is one
/// (`"0.05"`); `None` for anything else.
pub fn number(v: &serde_json::Value) -> Option<f64> {
    match v {
        serde_json::Value::Number(n) => n.as_f64(),
        serde_json::Value::String(s) => s.trim().parse::<f64>().ok(),
        _ => None,
    }
    .filter(|f| f.is_finite())
}

/// Counts and statistics of a trigger's measurements.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Stats {
    pub samples: usize,
    pub pass: usize,
    pub warn: usize,
    pub fail: usize,
    pub error: usize,
    /// Over the numeric values only; `None` when there is none.
    pub min: Option<f64>,
    pub median: Option<f64>,
    pub p95: Option<f64>,
    pub max: Option<f64>,
}

impl Stats {
    pub fn of(points: &[Point]) -> Stats {
        let mut s = Stats {
            samples: points.len(),
            ..Stats::default()
        };
        for p in points {
            match p.mark {
                Mark::Pass => s.pass += 1,
                Mark::Warn => s.warn += 1,
                Mark::Fail => s.fail += 1,
                Mark::Error => s.error += 1,
            }
        }
        let mut values: Vec<f64> = points.iter().filter_map(|p| p.value).collect();
        values.sort_by(f64::total_cmp);
        s.min = values.first().copied();
        s.max = values.last().copied();
        s.median = median(&values);
        s.p95 = percentile(&values, 95);
        s
    }
}

/// The median of sorted values (the mean of the two middle ones for an even count).
pub fn median(sorted: &[f64]) -> Option<f64> {
    let n = sorted.len();
    if n == 0 {
        return None;
    }
    Some(if n % 2 == 1 {
        sorted[n / 2]
    } else {
        f64::midpoint(sorted[n / 2 - 1], sorted[n / 2])
    })
}

/// The nearest-rank `pct` percentile of sorted values: the value at rank ⌈pct/100 · n⌉.
pub fn percentile(sorted: &[f64], pct: usize) -> Option<f64> {
    let n = sorted.len();
    if n == 0 {
        return None;
    }
    let rank = (pct * n).div_ceil(100).clamp(1, n);
    Some(sorted[rank - 1])
}

/// The y range of a chart of these values (with its threshold and baseline): a 10 % margin
/// above and below, never below 0 for values that are all ≥ 0; `[0, 1]` without values.
pub fn y_range(values: impl Iterator<Item = f64>) -> [f64; 2] {
    let (lo, hi) = values.fold((f64::MAX, f64::MIN), |(lo, hi), v| (lo.min(v), hi.max(v)));
    if lo > hi {
        return [0.0, 1.0];
    }
    let pad = if hi > lo {
        (hi - lo) * 0.1
    } else if lo == 0.0 {
        1.0
    } else {
        lo.abs() * 0.1
    };
    let y0 = if lo >= 0.0 && lo - pad < 0.0 {
        0.0
    } else {
        lo - pad
    };
    [y0, hi + pad]
}

/// A number for people: up to 4 significant digits, no trailing zeros (`0.0123`, `41`,
/// `1.235e6`).
pub fn fmt_num(v: f64) -> String {
    if v == 0.0 {
        return "0".into();
    }
    let a = v.abs();
    if !(1e-4..1e6).contains(&a) {
        return format!("{v:.3e}");
    }
    #[allow(clippy::cast_possible_truncation)]
    let digits = a.log10().floor() as i32;
    let decimals = usize::try_from((3 - digits).max(0)).unwrap_or(0);
    let s = format!("{v:.decimals$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        s
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::float_cmp)]
mod tests {
    use super::*;

    fn pts(values: &[(Mark, Option<f64>)]) -> Vec<Point> {
        values
            .iter()
            .map(|(m, v)| Point {
                at: DateTime::<Utc>::UNIX_EPOCH,
                mark: *m,
                value: *v,
            })
            .collect()
    }

    #[test]
    fn median_of_odd_and_even_counts() {
        assert_eq!(median(&[]), None);
        assert_eq!(median(&[3.0]), Some(3.0));
        assert_eq!(median(&[1.0, 2.0, 10.0]), Some(2.0));
        assert_eq!(median(&[1.0, 2.0, 4.0, 10.0]), Some(3.0));
    }

    #[test]
    fn p95_is_the_nearest_rank() {
        let v: Vec<f64> = (1..=20).map(f64::from).collect();
        assert_eq!(percentile(&v, 95), Some(19.0), "rank ⌈0.95·20⌉ = 19");
        let v: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(percentile(&v, 95), Some(95.0));
        let v: Vec<f64> = (1..=101).map(f64::from).collect();
        assert_eq!(percentile(&v, 95), Some(96.0), "rank ⌈95.95⌉ = 96");
        assert_eq!(percentile(&[1.0, 2.0, 3.0], 95), Some(3.0));
        assert_eq!(percentile(&[7.0], 95), Some(7.0));
        assert_eq!(percentile(&[], 95), None);
    }

    #[test]
    fn stats_count_every_state_and_use_numeric_values_only() {
        let s = Stats::of(&pts(&[
            (Mark::Pass, Some(0.02)),
            (Mark::Warn, Some(0.04)),
            (Mark::Fail, Some(0.19)),
            (Mark::Error, None),
            (Mark::Pass, Some(0.01)),
        ]));
        assert_eq!(
            (s.samples, s.pass, s.warn, s.fail, s.error),
            (5, 2, 1, 1, 1)
        );
        assert_eq!(s.min, Some(0.01));
        assert_eq!(s.max, Some(0.19));
        assert_eq!(s.median, Some(0.03));
        assert_eq!(s.p95, Some(0.19));
        let none = Stats::of(&pts(&[(Mark::Error, None)]));
        assert_eq!(
            (none.min, none.median, none.p95, none.max),
            (None, None, None, None)
        );
    }

    #[test]
    fn numbers_from_record_values() {
        assert_eq!(number(&serde_json::json!(0.5)), Some(0.5));
        assert_eq!(number(&serde_json::json!(" 12 ")), Some(12.0));
        assert_eq!(number(&serde_json::json!("1.4.2")), None);
        assert_eq!(number(&serde_json::json!(true)), None);
        assert_eq!(number(&serde_json::Value::Null), None);
    }

    #[test]
    fn y_ranges_keep_a_margin() {
        assert_eq!(y_range([].into_iter()), [0.0, 1.0]);
        assert_eq!(y_range([0.0].into_iter()), [0.0, 1.0]);
        assert_eq!(y_range([5.0].into_iter()), [4.5, 5.5]);
        let [a, b] = y_range([0.01, 0.19].into_iter());
        assert!(
            (a - 0.0).abs() < 1e-12 && (b - 0.208).abs() < 1e-12,
            "{a} {b}"
        );
        assert_eq!(y_range([-1.0, 1.0].into_iter()), [-1.2, 1.2]);
    }

    #[test]
    fn numbers_for_people() {
        assert_eq!(fmt_num(0.0), "0");
        assert_eq!(fmt_num(0.0123), "0.0123");
        assert_eq!(fmt_num(0.05), "0.05");
        assert_eq!(fmt_num(41.0), "41");
        assert_eq!(fmt_num(1234.6), "1235");
        assert_eq!(fmt_num(-2.5), "-2.5");
        assert_eq!(fmt_num(12_345_678.0), "1.235e7");
    }
}
