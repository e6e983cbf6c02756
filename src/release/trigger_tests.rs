//! Table-driven tests of trigger semantics on a synthetic clock.
#![allow(clippy::unwrap_used)]

use super::*;
use chrono::TimeZone;

fn t0() -> DateTime<Utc> {
    Utc.timestamp_opt(1_760_000_000, 0).unwrap()
}

fn spec() -> Spec {
    Spec {
        interval: Duration::from_secs(2),
        initial_delay: Duration::ZERO,
        for_: None,
        failure_limit: 0,
        consecutive_error_limit: 4,
        dry_run: false,
    }
}

/// Feed `verdicts` (P, F, E) every `interval` from t0; return the step (1-based) at which
/// the trigger tripped or went inconclusive, with which.
fn run(spec: &Spec, verdicts: &str) -> (Option<(usize, &'static str)>, Trigger) {
    let mut t = Trigger::new("g", spec.clone(), t0());
    let mut outcome = None;
    for (i, c) in verdicts.chars().enumerate() {
        let at =
            t0() + chrono::Duration::from_std(spec.interval * u32::try_from(i).unwrap()).unwrap();
        let verdict = match c {
            'P' => Verdict::Pass,
            'F' => Verdict::Fail,
            'W' => Verdict::Warn,
            _ => Verdict::Error,
        };
        let r = t.observe(Measurement {
            at,
            verdict,
            value: Some(1.0),
            message: format!("m{i}"),
        });
        if outcome.is_none() {
            outcome = match r {
                Some(Transition::Tripped(_)) => Some((i + 1, "tripped")),
                Some(Transition::Inconclusive(_)) => Some((i + 1, "inconclusive")),
                None => None,
            };
        }
    }
    (outcome, t)
}

type Case<'a> = (&'a str, Spec, &'a str, Option<(usize, &'a str)>);

#[test]
fn table() {
    let with_for = |s: u64| Spec {
        for_: Some(Duration::from_secs(s)),
        ..spec()
    };
    let cases: Vec<Case> = vec![
        (
            "first failure trips with failure_limit 0",
            spec(),
            "PPF",
            Some((3, "tripped")),
        ),
        (
            "failure_limit 2: the third failure trips",
            Spec {
                failure_limit: 2,
                ..spec()
            },
            "FPFPPF",
            Some((6, "tripped")),
        ),
        (
            "failure_limit counts failures, passes don't reset",
            Spec {
                failure_limit: 1,
                ..spec()
            },
            "FPPPF",
            Some((5, "tripped")),
        ),
        ("all passes never trip", spec(), "PPPPPPPP", None),
        (
            "for 6s: fails at 0,2,4,6 → streak of 6s trips at the 4th",
            with_for(6),
            "FFFF",
            Some((4, "tripped")),
        ),
        (
            "for 6s: a pass resets the streak",
            with_for(6),
            "FFFPFFF",
            None,
        ),
        (
            "for 6s: the streak resumes after the reset",
            with_for(6),
            "FFFPFFFF",
            Some((8, "tripped")),
        ),
        (
            "for 6s: errors neither reset nor extend (trips on the next fail)",
            with_for(6),
            "FFEEF",
            Some((5, "tripped")),
        ),
        (
            "for 6s: an error at the streak's end cannot trip it",
            with_for(6),
            "FFFE",
            None,
        ),
        (
            "5 consecutive errors exceed the default limit of 4",
            spec(),
            "EEEEE",
            Some((5, "inconclusive")),
        ),
        ("4 consecutive errors do not", spec(), "EEEEPEEEE", None),
        (
            "a fail resets the error count",
            Spec {
                failure_limit: 9,
                ..spec()
            },
            "EEEEFEEEE",
            None,
        ),
        (
            "consecutive_error_limit 1",
            Spec {
                consecutive_error_limit: 1,
                ..spec()
            },
            "PEE",
            Some((3, "inconclusive")),
        ),
        (
            "dry_run never trips",
            Spec {
                dry_run: true,
                ..spec()
            },
            "FFFFFF",
            None,
        ),
    ];
    for (name, spec, verdicts, expected) in cases {
        let (got, _) = run(&spec, verdicts);
        assert_eq!(got, expected, "{name}: {verdicts}");
    }
}

#[test]
fn dry_run_records_that_it_would_have_tripped() {
    let (_, t) = run(
        &Spec {
            dry_run: true,
            ..spec()
        },
        "PF",
    );
    assert!(t.would_trip.is_some());
    assert!(matches!(t.state, State::Failing { .. }));
}

#[test]
fn the_trip_message_names_the_measurement_and_the_streak() {
    let mut t = Trigger::new(
        "error-rate",
        Spec {
            for_: Some(Duration::from_secs(6)),
            ..spec()
        },
        t0(),
    );
    for i in 0..4 {
        let r = t.observe(Measurement {
            at: t0() + chrono::Duration::seconds(2 * i),
            verdict: Verdict::Fail,
            value: Some(0.19),
            message: "0.19 > 0.05".into(),
        });
        if i == 3 {
            assert_eq!(r, Some(Transition::Tripped("0.19 > 0.05 for 6s".into())));
        }
    }
    assert!(t.is_settled());
}

#[test]
fn first_and_next_due_follow_initial_delay_and_interval() {
    let mut t = Trigger::new(
        "g",
        Spec {
            initial_delay: Duration::from_secs(10),
            ..spec()
        },
        t0(),
    );
    assert_eq!(t.first_due(), t0() + chrono::Duration::seconds(10));
    assert_eq!(t.next_due(), t.first_due());
    t.observe(Measurement {
        at: t0() + chrono::Duration::seconds(10),
        verdict: Verdict::Pass,
        value: None,
        message: String::new(),
    });
    assert_eq!(t.next_due(), t0() + chrono::Duration::seconds(12));
}

#[test]
fn continue_after_inconclusive_counts_errors_afresh() {
    let (got, mut t) = run(&spec(), "EEEEE");
    assert_eq!(got, Some((5, "inconclusive")));
    t.resume_after_inconclusive();
    assert_eq!(t.state, State::Ok);
    assert_eq!(t.consecutive_errors, 0);
}

#[test]
fn history_keeps_the_last_sixty() {
    let (_, t) = run(
        &Spec {
            failure_limit: 1000,
            ..spec()
        },
        &"PF".repeat(50),
    );
    assert_eq!(t.history.len(), HISTORY);
    assert_eq!(t.sparkline(20).chars().count(), 20);
}

#[test]
fn a_huge_initial_delay_or_interval_saturates_instead_of_panicking() {
    // 1,000,000 years: a TimeDelta, but past chrono's last date (it used to panic).
    let huge = Duration::from_secs(31_557_600 * 1_000_000);
    let mut t = Trigger::new(
        "g",
        Spec {
            initial_delay: huge,
            interval: huge,
            ..spec()
        },
        t0(),
    );
    assert_eq!(t.first_due(), DateTime::<Utc>::MAX_UTC);
    t.observe(Measurement {
        at: t0(),
        verdict: Verdict::Pass,
        value: None,
        message: String::new(),
    });
    assert_eq!(t.next_due(), DateTime::<Utc>::MAX_UTC);
    // Too long even for a TimeDelta: still the far end, not "now" (it used to be `t0`).
    t.spec.interval = Duration::MAX;
    assert_eq!(t.next_due(), DateTime::<Utc>::MAX_UTC);
    // A measurement at the last representable instant, with a small interval.
    t.spec.interval = Duration::from_secs(2);
    t.observe(Measurement {
        at: DateTime::<Utc>::MAX_UTC,
        verdict: Verdict::Fail,
        value: None,
        message: String::new(),
    });
    assert_eq!(t.next_due(), DateTime::<Utc>::MAX_UTC);
}

#[test]
fn warn_band_turns_a_pass_that_fails_warn_into_a_warning() {
    use crate::runbook::condition::Condition;
    use serde_json::json;
    let warn = Condition::compile("result < 0.01").unwrap();
    let (v, why) = warn_band(Verdict::Pass, Some(&warn), &json!(0.02));
    assert_eq!(v, Verdict::Warn);
    assert_eq!(why.as_deref(), Some("fails warn `result < 0.01`"));
    assert_eq!(v.as_str(), "warn");
    assert_eq!(
        warn_band(Verdict::Pass, Some(&warn), &json!(0.001)),
        (Verdict::Pass, None)
    );
    // A failure or an error keeps its verdict; no warn condition changes nothing.
    assert_eq!(
        warn_band(Verdict::Fail, Some(&warn), &json!(0.5)),
        (Verdict::Fail, None)
    );
    assert_eq!(
        warn_band(Verdict::Error, Some(&warn), &serde_json::Value::Null),
        (Verdict::Error, None)
    );
    assert_eq!(
        warn_band(Verdict::Pass, None, &json!(0.5)),
        (Verdict::Pass, None)
    );
    // A warn condition that cannot be evaluated on the value is a warning, with why.
    let (v, why) = warn_band(Verdict::Pass, Some(&warn), &json!({"a": 1}));
    assert_eq!(v, Verdict::Warn);
    assert!(why.unwrap().contains("result < 0.01"));
}

#[test]
fn warnings_count_as_passes_for_tripping() {
    // A warning resets a failing streak like a pass and is counted.
    let mut s = spec();
    s.failure_limit = 2;
    let (out, t) = run(&s, "FWFW");
    assert_eq!(out, None, "two failures, limit 2: no trip yet");
    assert_eq!(t.warnings, 2);
    assert_eq!(t.failures, 2);
    s.for_ = Some(Duration::from_secs(3));
    let (out, _) = run(&s, "FFWFF");
    assert_eq!(out, None, "the warning broke the streak");
}
