//! The prompts: evidence, approval, skip reason, mark-done note.

use super::*;
use crate::release::StepStatus;

fn interrupted() -> H {
    // A journal replayed with `deploy` left running: its outcome is unknown.
    let mut h = H::new("staging");
    h.past_qa_and_preflight();
    h.key("enter");
    let mut st = h.app.release.clone();
    st.steps[2].status = StepStatus::Interrupted;
    h.set_release(st);
    h
}

#[test]
fn a_manual_step_opens_the_evidence_prompt_instead_of_executing() {
    let mut h = H::new("staging");
    let fx = h.key("enter");
    assert_eq!(kinds(&fx), ["step-started"]);
    assert!(
        executes(&fx).is_empty(),
        "Execute for a manual step is not forwarded"
    );
    let Some(Modal::Evidence(m)) = h.modal() else {
        panic!("evidence prompt")
    };
    assert_eq!(m.step, "qa");
    assert!(m.required);
    assert!(m.instructions.as_deref().unwrap().contains("QA checklist"));
}

#[test]
fn typed_evidence_and_enter_journal_the_evidence_and_finish_the_step() {
    let mut h = H::new("staging");
    h.key("enter");
    assert!(
        h.typ("QA-123 attached").is_empty(),
        "typing journals nothing"
    );
    h.key("backspace");
    h.typ("d");
    let fx = h.key("enter");
    assert_eq!(
        fx[0],
        AppEffect::Release(Effect::Journal(Event::Evidence {
            step: "qa".into(),
            note: "QA-123 attached".into(),
            source: "operator".into(),
        }))
    );
    assert_eq!(kinds(&fx), ["evidence", "step-finished"]);
    assert!(h.modal().is_none());
    assert_eq!(h.app.release.steps[0].status, StepStatus::Succeeded);
}

#[test]
fn required_evidence_refuses_empty_input_and_keeps_the_prompt() {
    let mut h = H::new("staging");
    h.key("enter");
    for blank in ["", "   "] {
        h.typ(blank);
        assert!(h.key("enter").is_empty(), "{blank:?} is refused");
        let Some(Modal::Evidence(m)) = h.modal() else {
            panic!("still open")
        };
        assert!(m.error.as_deref().unwrap().contains("requires evidence"));
        assert_eq!(h.app.release.steps[0].status, StepStatus::Running);
    }
    h.typ("x");
    let Some(Modal::Evidence(m)) = h.modal() else {
        panic!("still open")
    };
    assert!(m.error.is_none(), "typing clears the error");
}

#[test]
fn esc_leaves_the_step_waiting_and_enter_reopens_the_prompt() {
    let mut h = H::new("staging");
    h.key("enter");
    h.typ("half");
    assert!(h.key("esc").is_empty());
    assert!(h.modal().is_none());
    assert!(h.status().contains("waits for evidence"), "{}", h.status());
    assert_eq!(h.app.release.steps[0].status, StepStatus::Running);
    assert!(
        h.key("enter").is_empty(),
        "Enter reopens, it does not run anything"
    );
    assert!(matches!(h.modal(), Some(Modal::Evidence(m)) if m.input.text().is_empty()));
}

#[test]
fn approval_takes_a_name_then_a_reason_and_the_core_checks_the_approvers() {
    let mut h = H::new("staging");
    h.past_qa_and_preflight();
    h.key("enter");
    h.finish(Phase::Main, "deploy", Outcome::Succeeded);
    let fx = h.key("enter");
    assert_eq!(kinds(&fx), ["step-started"]);
    assert!(executes(&fx).is_empty());
    assert!(matches!(h.modal(), Some(Modal::Approval(_))));
    h.key("enter");
    let Some(Modal::Approval(m)) = h.modal() else {
        panic!()
    };
    assert_eq!(m.error.as_deref(), Some("type the approver's name"));
    assert!(!m.on_reason);
    h.typ("mallory");
    h.key("enter");
    h.typ("CAB-77");
    assert!(h.key("enter").is_empty());
    let Some(Modal::Approval(m)) = h.modal() else {
        panic!("a refused approval keeps the prompt")
    };
    assert!(
        m.error.as_deref().unwrap().contains("may not approve"),
        "{:?}",
        m.error
    );
    h.key("tab");
    h.key("ctrl-u");
    h.typ("bob");
    h.key("tab");
    let fx = h.key("enter");
    assert_eq!(kinds(&fx), ["approval", "step-finished"]);
    assert!(matches!(
        &fx[0],
        AppEffect::Release(Effect::Journal(Event::Approval { name, reason, .. }))
            if name == "bob" && reason == "CAB-77"
    ));
    assert!(h.modal().is_none());
}

#[test]
fn approval_needs_a_reason() {
    let mut h = H::new("staging");
    h.past_qa_and_preflight();
    h.key("enter");
    h.finish(Phase::Main, "deploy", Outcome::Succeeded);
    h.key("enter");
    h.typ("alice");
    h.key("enter");
    assert!(h.key("enter").is_empty());
    let Some(Modal::Approval(m)) = h.modal() else {
        panic!()
    };
    assert!(m.error.as_deref().unwrap().contains("needs a reason"));
}

#[test]
fn skip_asks_a_reason_and_refuses_an_empty_one() {
    let mut h = H::new("staging");
    h.key("s");
    let Some(Modal::Skip(m)) = h.modal() else {
        panic!("skip prompt")
    };
    assert_eq!(m.step, "qa");
    assert!(h.key("enter").is_empty());
    assert!(matches!(h.modal(), Some(Modal::Skip(m)) if m.error.is_some()));
    h.typ("QA done in the previous release");
    let fx = h.key("enter");
    assert_eq!(kinds(&fx), ["skip"]);
    assert!(h.modal().is_none());
    assert!(matches!(
        h.app.release.steps[0].status,
        StepStatus::Skipped(_)
    ));
    h.key("s");
    assert!(h.key("esc").is_empty());
    assert!(h.modal().is_none());
    assert_eq!(h.status(), "skip cancelled");
}

#[test]
fn skip_is_refused_while_a_step_runs() {
    let mut h = H::new("staging");
    h.past_qa_and_preflight();
    h.key("enter");
    assert!(h.key("s").is_empty());
    assert!(
        h.modal().is_none(),
        "no prompt for a skip the core would refuse"
    );
    assert!(h.status().contains("still running"));
}

#[test]
fn mark_done_asks_a_note_for_an_interrupted_step() {
    let mut h = interrupted();
    h.key("m");
    assert!(matches!(h.modal(), Some(Modal::MarkDone(m)) if m.step == "deploy"));
    assert!(h.key("enter").is_empty(), "an empty note is refused");
    assert!(matches!(h.modal(), Some(Modal::MarkDone(m)) if m.error.is_some()));
    h.typ("checked: containers healthy on v1.4.2");
    let fx = h.key("enter");
    assert_eq!(kinds(&fx), ["note"]);
    assert_eq!(h.app.release.steps[2].status, StepStatus::Succeeded);
}

#[test]
fn retry_an_interrupted_manual_step_reopens_the_evidence_prompt() {
    let mut h = H::new("staging");
    h.key("enter");
    h.key("esc");
    let mut st = h.app.release.clone();
    st.steps[0].status = StepStatus::Interrupted;
    h.set_release(st);
    let fx = h.key("r");
    assert_eq!(kinds(&fx), ["step-started"]);
    assert!(matches!(h.modal(), Some(Modal::Evidence(_))));
}

#[test]
fn a_prompt_closes_when_its_step_stops_running() {
    let mut h = H::new("staging");
    h.past_qa_and_preflight();
    h.key("enter");
    h.key("x");
    assert!(matches!(h.modal(), Some(Modal::Cancel(_))));
    h.finish(Phase::Main, "deploy", Outcome::Succeeded);
    assert!(h.modal().is_none(), "nothing left to cancel");
}

#[test]
fn keys_typed_right_after_enter_go_into_the_prompt_before_the_start_is_durable() {
    let mut h = H::new("staging");
    // The App alone, as with a slow disk: ⏎ is sent, the step's start is not durable yet.
    let now = h.now();
    let fx = h.app.update(AppMsg::Key(key_event("enter")), now);
    assert!(
        matches!(fx[..], [crate::ui::app::AppEffect::Send(Msg::Next)]),
        "{fx:?}"
    );
    assert_eq!(h.app.release.steps[0].status, StepStatus::Pending);
    assert!(matches!(h.modal(), Some(Modal::Evidence(_))));
    // `s` and `R` are a note's letters here, never skip or roll back.
    for c in "QA-1 s R".chars() {
        let mods = if c.is_ascii_uppercase() {
            KeyModifiers::SHIFT
        } else {
            KeyModifiers::NONE
        };
        let more = h
            .app
            .update(AppMsg::Key(KeyEvent::new(KeyCode::Char(c), mods)), now);
        assert!(more.is_empty(), "{c}: {more:?}");
    }
    // The start becomes durable and the driver asks for the answer: the typed note stays.
    h.pump(fx, now);
    let Some(Modal::Evidence(m)) = h.modal() else {
        panic!("{:?}", h.modal())
    };
    assert_eq!(m.input.text(), "QA-1 s R");
    assert_eq!(h.app.release.steps[0].status, StepStatus::Running);
    let fx = h.key("enter");
    assert_eq!(kinds(&fx), ["evidence", "step-finished"]);
}

#[test]
fn a_refused_start_closes_the_prompt_opened_for_it() {
    let mut h = H::new("staging");
    let now = h.now();
    h.app.update(AppMsg::Key(key_event("enter")), now);
    assert!(h.modal().is_some());
    h.app
        .update(AppMsg::Refused("HALTED: disk full".into()), now);
    assert!(h.modal().is_none());
    assert!(h.status().contains("HALTED"));
}

#[test]
fn a_halt_stays_on_screen_and_refuses_every_release_key() {
    let mut h = H::new("staging");
    h.send(AppMsg::Halted(
        "HALTED: the journal could not be written: disk full".into(),
    ));
    for k in ["enter", "r", "s", "R"] {
        let fx = h.key(k);
        assert!(fx.is_empty(), "{k}: {fx:?}");
        assert!(h.status().contains("HALTED"), "{k}: {}", h.status());
    }
    assert!(screen(&mut h, 80, 24).contains("HALTED"));
    assert!(
        h.app
            .header
            .warning
            .as_deref()
            .is_some_and(|w| w.contains("disk full"))
    );
}
