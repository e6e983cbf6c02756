//! `plan` and the `journal` commands (list, show, verify).

use super::{BASIC, Dir, out};

#[test]
fn plan_renders_commands_and_reports_what_is_missing() {
    let d = Dir::new(
        r#"
[release]
name = "app"
environment = "staging"
version = { file = "VERSION" }
[vars]
compose = "docker-compose.prod.yml"
[[steps]]
id = "deploy"
kind = "run"
run = "docker-compose -f {{ vars.compose }} up -d # {{ env.FD_TEST_TOKEN_UNSET }}"
timeout = "15m"
"#,
    );
    let o = d.cmd(&["plan"]).output().expect("runs");
    assert_eq!(o.status.code(), Some(1), "{}", out(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("VERSION"), "{err}");
    assert!(
        err.contains("flightdeck.toml:11:"),
        "the place of the undefined env var: {err}"
    );
    assert!(err.contains("FD_TEST_TOKEN_UNSET"), "{err}");
    d.write("VERSION", "1.4.2\n");
    let o = d
        .cmd(&["plan"])
        .env("FD_TEST_TOKEN_UNSET", "x")
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("release app 1.4.2 → staging"), "{text}");
    assert!(
        text.contains("$ docker-compose -f docker-compose.prod.yml up -d # x"),
        "{text}"
    );
    assert!(text.contains("timeout 15m"), "{text}");
    assert!(
        !d.path().join(".flightdeck").exists(),
        "plan executes nothing and writes nothing"
    );
}

#[test]
fn journal_commands_list_show_and_verify() {
    let d = Dir::new(BASIC);
    d.write("answers.toml", "[evidence]\nqa = \"QA-1\"\n");
    d.cmd(&["run", "--plain", "--answers", "answers.toml"])
        .assert()
        .code(0);
    let o = d.cmd(&["journal", "list"]).output().expect("runs");
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("completed"),
        "{}",
        out(&o)
    );
    let o = d
        .cmd(&["journal", "show", "latest"])
        .output()
        .expect("runs");
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("step-finished"),
        "{}",
        out(&o)
    );
    d.cmd(&["journal", "verify"]).assert().code(0);
    // Edit a record: verify names the line and exits 1.
    let path = d.state().resolve("latest").expect("journal");
    let text = std::fs::read_to_string(&path).expect("read");
    std::fs::write(&path, text.replacen("QA-1", "QA-2", 1)).expect("write");
    let o = d.cmd(&["journal", "verify"]).output().expect("runs");
    assert_eq!(o.status.code(), Some(1), "{}", out(&o));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("FAIL:"),
        "{}",
        out(&o)
    );
}
