//! Every release key in every release mode, as a table: what each key does from each state.

use super::screens::failed;
use super::*;
use crate::release::StepStatus;

/// Drive a fresh release through every step to completion.
fn completed() -> H {
    let mut h = H::new("staging");
    h.past_qa_and_preflight();
    h.key("enter");
    h.finish(Phase::Main, "deploy", Outcome::Succeeded);
    h.key("enter");
    h.typ("alice");
    h.key("enter");
    h.typ("CAB-77");
    h.key("enter");
    for id in ["smoke", "watch", "tag"] {
        h.key("enter");
        h.finish(Phase::Main, id, Outcome::Succeeded);
    }
    assert!(h.app.release.is_finished());
    h
}

fn mode(name: &str) -> H {
    let mut h = H::new("staging");
    match name {
        "idle" => {}
        "run_pending" => h.past_qa_and_preflight(),
        "running" => {
            h.past_qa_and_preflight();
            h.key("enter");
        }
        "waiting" => {
            h.key("enter");
            h.key("esc");
        }
        "failed" => h = failed(),
        "interrupted" => {
            h.past_qa_and_preflight();
            h.key("enter");
            let mut st = h.app.release.clone();
            st.steps[2].status = StepStatus::Interrupted;
            h.set_release(st);
        }
        "completed" => h = completed(),
        "rolling_back" => {
            h.key("R");
            h.key("y");
        }
        "rolled_back" => {
            h.key("R");
            h.key("y");
            for id in ["rollback-1", "rollback-2", "rollback-3"] {
                h.finish(Phase::Rollback, id, Outcome::Succeeded);
            }
        }
        other => panic!("unknown mode {other}"),
    }
    h.app.status = None;
    assert!(h.modal().is_none(), "{name} starts without a prompt");
    h
}

fn outcome(h: &H, fx: &[AppEffect]) -> String {
    if fx.contains(&AppEffect::Quit) {
        return "quit".into();
    }
    if let Some(m) = h.modal() {
        let kind = match m {
            Modal::Evidence(_) => "evidence",
            Modal::Approval(_) => "approval",
            Modal::Skip(_) => "skip",
            Modal::MarkDone(_) => "mark-done",
            Modal::EndWatch(_) => "end-watch",
            Modal::AckWarnings(_) => "ack-warnings",
            Modal::Cancel(_) => "cancel",
            Modal::Rollback(_) => "rollback",
            Modal::Picker(_) => "pick",
            Modal::Quit(_) => "quit?",
            Modal::Help(_) => "help",
            Modal::Chart(_) => "chart",
        };
        return format!("ask {kind}");
    }
    if !executes(fx).is_empty() {
        return "exec".into();
    }
    match &h.app.status {
        Some(s) if s.refusal => "refused".into(),
        _ => format!("other {fx:?}"),
    }
}

#[test]
fn release_keys_in_every_mode() {
    let keys = ["enter", "r", "s", "m", "x", "R", "q"];
    #[rustfmt::skip]
    let table: [(&str, [&str; 7]); 9] = [
        ("idle",         ["ask evidence", "refused", "ask skip", "refused",       "refused",    "ask rollback", "ask quit?"]),
        ("run_pending",  ["exec",         "refused", "ask skip", "refused",       "refused",    "ask rollback", "ask quit?"]),
        ("running",      ["refused",      "refused", "refused",  "refused",       "ask cancel", "ask rollback", "ask quit?"]),
        ("waiting",      ["ask evidence", "refused", "refused",  "refused",       "ask cancel", "ask rollback", "ask quit?"]),
        ("failed",       ["refused",      "exec",    "ask skip", "refused",       "refused",    "ask rollback", "ask quit?"]),
        ("interrupted",  ["refused",      "exec",    "ask skip", "ask mark-done", "refused",    "ask rollback", "ask quit?"]),
        ("completed",    ["refused",      "refused", "refused",  "refused",       "refused",    "ask rollback", "quit"]),
        ("rolling_back", ["refused",      "refused", "refused",  "refused",       "ask cancel", "refused",      "ask quit?"]),
        ("rolled_back",  ["refused",      "refused", "refused",  "refused",       "refused",    "refused",      "quit"]),
    ];
    let mut wrong = Vec::new();
    for (name, expected) in table {
        for (key, want) in keys.iter().zip(expected) {
            let mut h = mode(name);
            let before = h.app.release.clone();
            let fx = h.key(key);
            let got = outcome(&h, &fx);
            if got != want {
                wrong.push(format!("{name} + {key}: want {want}, got {got}"));
            }
            if got == "refused" || got.starts_with("ask") && want != "ask evidence" {
                assert_eq!(h.app.release, before, "{name} + {key} changed the release");
                assert!(fx.is_empty(), "{name} + {key}: {fx:?}");
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn non_release_keys_in_every_mode_never_touch_the_release() {
    for name in [
        "idle",
        "running",
        "failed",
        "completed",
        "rolling_back",
        "rolled_back",
    ] {
        for key in [
            "tab",
            "shift-tab",
            "up",
            "down",
            "pgup",
            "pgdn",
            "home",
            "end",
            "f",
            "[",
            "]",
            "n",
            "N",
            "?",
            "/",
            "esc",
            "ctrl-s",
        ] {
            let mut h = mode(name);
            let before = h.app.release.clone();
            let fx = h.key(key);
            assert!(
                fx.iter().all(|e| matches!(e, AppEffect::SaveLog(_))),
                "{name} + {key}: {fx:?}"
            );
            assert_eq!(h.app.release, before, "{name} + {key}");
        }
    }
}
