//! Baselines through `Core::update` with a fake clock: the core asks for the measurements
//! before the step starts, starts it when every `baseline` record is in, and says why a
//! baseline is missing.

use super::*;
use crate::release::policy::{BaselinePlan, Core, Policy};
use crate::release::update::baseline::{median, value};

fn plan(gate: &str, before: &str, samples: u32) -> BaselinePlan {
    BaselinePlan {
        gate: gate.into(),
        before: before.into(),
        samples,
    }
}

fn core(plans: Vec<BaselinePlan>) -> Core {
    let policy = Policy {
        baselines: plans,
        ..Policy::default()
    };
    let mut c = Core::new(ReleaseState::default(), policy);
    c.update(
        Msg::Begin(begin(
            &[("qa", "run"), ("deploy", "run"), ("soak", "watch")],
            &[],
        )),
        t(0),
    )
    .unwrap();
    c.update(Msg::Next, t(1)).unwrap();
    c.update(done("qa"), t(2)).unwrap();
    c
}

fn done(id: &str) -> Msg {
    Msg::Finished {
        phase: Phase::Main,
        step: id.into(),
        outcome: Outcome::Succeeded,
        exit_code: Some(0),
        reason: None,
        duration_ms: 1,
        captures: BTreeMap::new(),
    }
}

fn taken(gate: &str, samples: &[f64]) -> Msg {
    Msg::Record(Event::Baseline {
        step: "deploy".into(),
        gate: gate.into(),
        samples: samples.to_vec(),
        value: median(samples),
        error: None,
    })
}

#[test]
fn the_step_waits_for_its_baselines_then_starts() {
    let mut c = core(vec![plan("api", "deploy", 3), plan("errors", "deploy", 5)]);
    let fx = c.update(Msg::Next, t(3)).unwrap();
    assert_eq!(
        fx,
        vec![
            Effect::MeasureBaseline {
                step: "deploy".into(),
                gate: "api".into(),
                samples: 3
            },
            Effect::MeasureBaseline {
                step: "deploy".into(),
                gate: "errors".into(),
                samples: 5
            },
        ]
    );
    assert_eq!(c.st.steps[1].status, StepStatus::Pending);
    let why = c.update(Msg::Next, t(4)).unwrap_err().0;
    assert!(
        why.contains("measuring the baseline before step `deploy`"),
        "{why}"
    );

    // One of two: still waiting.
    let fx = c.update(taken("api", &[10.0, 14.0, 12.0]), t(5)).unwrap();
    assert_eq!(kinds(&fx), ["baseline"]);
    assert_eq!(c.st.steps[1].status, StepStatus::Pending);
    // Both: the step starts, after the record.
    let fx = c.update(taken("errors", &[0.01, 0.03]), t(6)).unwrap();
    assert_eq!(kinds(&fx), ["baseline", "step-started", "execute Main 1"]);
    assert_eq!(c.st.steps[1].status, StepStatus::Running);
    assert_eq!(value(&c.st, "api", "deploy"), Ok(12.0));
    assert_eq!(value(&c.st, "errors", "deploy"), Ok(0.02));
    assert!(c.ps.baselining.is_none());
}

#[test]
fn a_step_without_baselines_starts_at_once() {
    let mut c = core(vec![plan("api", "soak", 3)]);
    let fx = c.update(Msg::Next, t(3)).unwrap();
    assert_eq!(kinds(&fx), ["step-started", "execute Main 1"]);
}

#[test]
fn a_baseline_is_taken_once_and_a_retry_does_not_measure_again() {
    let mut c = core(vec![plan("api", "deploy", 3)]);
    c.update(Msg::Next, t(3)).unwrap();
    c.update(taken("api", &[5.0]), t(4)).unwrap();
    let mut failed = done("deploy");
    if let Msg::Finished { outcome, .. } = &mut failed {
        *outcome = Outcome::Failed;
    }
    c.update(failed, t(5)).unwrap();
    let fx = c.update(Msg::Retry, t(6)).unwrap();
    assert_eq!(kinds(&fx), ["step-started", "execute Main 1"]);
}

#[test]
fn a_skipped_step_leaves_the_baseline_never_taken() {
    let mut c = core(vec![plan("api", "deploy", 3)]);
    c.update(
        Msg::Skip {
            reason: "hotfix already deployed".into(),
        },
        t(3),
    )
    .unwrap();
    assert_eq!(
        value(&c.st, "api", "deploy"),
        Err("baseline for api was never taken (step deploy was skipped)".into())
    );
    let fresh = core(vec![plan("api", "deploy", 3)]);
    assert_eq!(
        value(&fresh.st, "api", "deploy"),
        Err("baseline for api was never taken (step deploy has not run)".into())
    );
}

#[test]
fn cancelling_the_wait_keeps_the_step_pending_and_a_late_record_does_not_start_it() {
    let mut c = core(vec![plan("api", "deploy", 3)]);
    c.update(Msg::Next, t(3)).unwrap();
    assert_eq!(c.update(Msg::Cancel, t(4)).unwrap(), vec![]);
    assert!(c.ps.baselining.is_none());
    let fx = c.update(taken("api", &[7.0]), t(5)).unwrap();
    assert_eq!(kinds(&fx), ["baseline"]);
    assert_eq!(c.st.steps[1].status, StepStatus::Pending);
    // Taken now: the next Enter starts the step without measuring again.
    let fx = c.update(Msg::Next, t(6)).unwrap();
    assert_eq!(kinds(&fx), ["step-started", "execute Main 1"]);
}

#[test]
fn a_baseline_without_numbers_says_why() {
    let mut c = core(vec![plan("api", "deploy", 2)]);
    c.update(Msg::Next, t(3)).unwrap();
    let fx = c
        .update(
            Msg::Record(Event::Baseline {
                step: "deploy".into(),
                gate: "api".into(),
                samples: vec![],
                value: None,
                error: Some("sample 2: cannot connect".into()),
            }),
            t(4),
        )
        .unwrap();
    // The step still starts: its triggers will be inconclusive, with the reason.
    assert_eq!(kinds(&fx), ["baseline", "step-started", "execute Main 1"]);
    assert_eq!(
        value(&c.st, "api", "deploy"),
        Err("baseline for api could not be taken: sample 2: cannot connect".into())
    );
}

#[test]
fn baselines_survive_replay() {
    let mut h = H::new(&[("deploy", "run")], &[]);
    h.ok(taken("api", &[1.0, 3.0, 2.0]));
    let st = h.replayed();
    assert_eq!(st.baselines["api"].value, Some(2.0));
    assert_eq!(st.baselines["api"].samples, vec![1.0, 3.0, 2.0]);
    assert_eq!(st.baselines, h.st.baselines);
}

#[test]
fn medians() {
    assert_eq!(median(&[]), None);
    assert_eq!(median(&[3.0]), Some(3.0));
    assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
    assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), Some(2.5));
    assert_eq!(median(&[f64::NAN, 1.0]), Some(1.0));
}
