//! `flightdeck plan` as text: step titles rendered as the cockpit shows them, counts in words.

use crate::run::{Dir, out};

const TITLED: &str = r#"
[release]
name = "web"
environment = "staging"
version = "1.4.2"
[vars]
service = "web"
[[gates]]
id = "health"
kind = "http"
url = "http://127.0.0.1:1/health"
[[steps]]
id = "deploy"
kind = "run"
title = "Deploy {{ vars.service }} {{ version }}"
run = "echo deploying"
[[steps]]
id = "smoke"
kind = "gates"
title = "Smoke {{ vars.service }}"
gates = ["health"]
retry = { attempts = 1, delay = "1s" }
[[rollback.steps]]
kind = "run"
title = "Restore {{ vars.service }}"
run = "echo restoring"
"#;

#[test]
fn plan_renders_step_titles_and_counts_in_words() {
    let d = Dir::new(TITLED);
    let o = d.cmd(&["plan"]).output().expect("runs");
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("1. deploy [run] Deploy web 1.4.2"),
        "the title as the cockpit shows it:\n{text}"
    );
    assert!(text.contains("2. smoke [gates] Smoke web"), "{text}");
    assert!(text.contains("1. rollback-1 [run] Restore web"), "{text}");
    assert!(!text.contains("{{"), "nothing left unrendered:\n{text}");
    assert!(text.contains("steps (2):"), "{text}");
    assert!(text.contains("rollback (1 step, target"), "{text}");
    assert!(text.contains("retry: 1 attempt, 1s apart"), "{text}");
    assert!(
        !text.contains("1 steps") && !text.contains("1 attempts"),
        "{text}"
    );
}

#[test]
fn plan_counts_one_problem_in_the_singular() {
    let d = Dir::new(&TITLED.replace("version = \"1.4.2\"", "version = { file = \"VERSION\" }"));
    let o = d.cmd(&["plan"]).output().expect("runs");
    assert_eq!(o.status.code(), Some(1), "{}", out(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("plan: 1 problem; `run` would refuse to start"),
        "{err}"
    );
}
