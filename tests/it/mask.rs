//! Secrets never reach the journal, plain output or `plan`: values, URL passwords, `token=`.

use crate::run::{Dir, out};

const SECRET: &str = "Sup3r-s3cret-value";

const RUNBOOK: &str = r#"
[release]
name = "app"
environment = "staging"
version = "1"

[secrets]
env = ["FD_TEST_SECRET"]

[[steps]]
id = "qa"
kind = "manual"
evidence = "required"

[[steps]]
id = "leak"
kind = "run"
run = "echo plain $FD_TEST_SECRET; echo url postgres://app:$FD_TEST_SECRET@127.0.0.1/db; echo token=$FD_TEST_SECRET; echo stderr $FD_TEST_SECRET >&2; echo {{ env.FD_TEST_SECRET }}"
"#;

#[test]
fn secrets_are_masked_in_journal_plain_output_and_plan() {
    let d = Dir::new(RUNBOOK);
    d.write(
        "answers.toml",
        &format!("[evidence]\nqa = \"pasted {SECRET} by mistake\"\n"),
    );
    let o = d
        .cmd(&["run", "--plain", "--answers", "answers.toml"])
        .env("FD_TEST_SECRET", SECRET)
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    let text = out(&o);
    assert!(
        !text.contains(SECRET),
        "plain output leaks the secret:\n{text}"
    );
    assert!(text.contains("plain ••••"), "{text}");
    assert!(text.contains("postgres://app:••••@127.0.0.1/db"), "{text}");
    assert!(text.contains("token=••••"), "{text}");
    let path = d.state().resolve("latest").expect("journal");
    let journal = std::fs::read_to_string(path).expect("read");
    assert!(!journal.contains(SECRET), "the journal leaks the secret");
    assert!(
        journal.contains("pasted •••• by mistake"),
        "evidence is kept, masked"
    );
    d.verify_latest();
    let o = d
        .cmd(&["plan"])
        .env("FD_TEST_SECRET", SECRET)
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    assert!(
        !out(&o).contains(SECRET),
        "plan leaks the secret: {}",
        out(&o)
    );
}

#[test]
fn a_short_secret_is_not_masked_and_is_warned_about() {
    let d = Dir::new(RUNBOOK);
    let o = d
        .cmd(&["plan"])
        .env("FD_TEST_SECRET", "abc")
        .output()
        .expect("runs");
    assert!(
        String::from_utf8_lossy(&o.stderr)
            .contains("secret FD_TEST_SECRET is shorter than 4 characters and is not masked"),
        "{}",
        out(&o)
    );
}
