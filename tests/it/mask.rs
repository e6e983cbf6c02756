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

#[test]
fn reports_never_hold_the_secret() {
    let d = Dir::new(RUNBOOK);
    d.write(
        "answers.toml",
        &format!("[evidence]\nqa = \"pasted {SECRET} by mistake\"\n"),
    );
    d.cmd(&["run", "--plain", "--answers", "answers.toml"])
        .env("FD_TEST_SECRET", SECRET)
        .assert()
        .code(0);
    for args in [&["report"][..], &["report", "--incident"][..]] {
        let o = d.cmd(args).output().expect("runs");
        assert_eq!(o.status.code(), Some(0), "{}", out(&o));
        let text = String::from_utf8_lossy(&o.stdout);
        assert!(!text.contains(SECRET), "{args:?} leaks the secret");
        if args.len() == 1 {
            assert!(
                text.contains("pasted •••• by mistake"),
                "the evidence, masked: {text}"
            );
        }
    }
}

#[test]
fn the_screen_and_a_saved_log_never_hold_the_secret() {
    use crate::skip::{Component, need};
    use crate::tmux::{Tmux, bin};
    if !need(Component::Tmux) {
        return;
    }
    let d = Dir::new(&RUNBOOK.replace("evidence = \"required\"", "evidence = \"optional\""));
    let t = Tmux::start(
        d.path(),
        &format!("FD_TEST_SECRET={SECRET} {} run; sleep 30", bin()),
        120,
        30,
    );
    t.wait_for("⏎ runs step");
    t.keys(&["Enter"]);
    t.text("QA-1");
    t.keys(&["Enter"]);
    t.wait_for("✔ 1");
    t.keys(&["Enter"]);
    let s = t.wait_for("postgres://app:••••@127.0.0.1/db");
    assert!(!s.contains(SECRET), "the screen shows the secret:\n{s}");
    assert!(s.contains("token=••••"), "{s}");
    t.keys(&["C-s"]);
    let saved = t.wait_for("saved the");
    assert!(!saved.contains(SECRET));
    let file = std::fs::read_dir(d.path())
        .expect("dir")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("flightdeck-"))
        })
        .expect("a saved log file");
    let text = std::fs::read_to_string(&file).expect("read");
    assert!(text.contains("plain ••••"), "{text}");
    assert!(!text.contains(SECRET), "the saved log leaks the secret");
}
