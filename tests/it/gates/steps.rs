//! The `gates` step, run headless by the binary: basic auth kept secret, retries journaled.

use super::support::Recorder;
use crate::run::{Dir, out};

const PASSWORD: &str = "s3cr3t-Pa55word-xyz";

pub fn run(d: &Dir, envs: &[(&str, &str)]) -> std::process::Output {
    let mut c = d.cmd(&["run", "--plain", "--auto-approve"]);
    for (k, v) in envs {
        c.env(k, v);
    }
    c.output().unwrap()
}

pub fn journal_text(d: &Dir) -> String {
    let path = d.state().resolve("latest").unwrap();
    std::fs::read_to_string(path).unwrap()
}

#[test]
fn basic_auth_password_never_reaches_output_or_journal() {
    let expected = format!(
        "Basic {}",
        base64_encode(format!("metrics:{PASSWORD}").as_bytes())
    );
    let server = Recorder::start(10, move |r| {
        let ok = r.head.lines().any(|l| {
            l.split_once(':').is_some_and(|(k, v)| {
                k.eq_ignore_ascii_case("authorization") && v.trim() == expected
            })
        });
        if ok {
            (200, "metrics ok".into())
        } else {
            (401, "who are you".into())
        }
    });
    let runbook = format!(
        r#"
[release]
name = "app"
environment = "staging"
version = "1.2.0"

[secrets]
env = ["METRICS_PASSWORD"]

[[gates]]
id = "metrics"
kind = "http"
url = "http://127.0.0.1:{}/metrics"
basic_auth = {{ user = "metrics", password_env = "METRICS_PASSWORD" }}
expect_status = 200

[[steps]]
id = "smoke"
kind = "gates"
gates = ["metrics"]
"#,
        server.port
    );
    let d = Dir::new(&runbook);
    let o = run(&d, &[("METRICS_PASSWORD", PASSWORD)]);
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    let journal = journal_text(&d);
    assert!(journal.contains("\"gate-result\""), "{journal}");
    assert!(!journal.contains(PASSWORD) && !out(&o).contains(PASSWORD));
    let encoded = base64_encode(format!("metrics:{PASSWORD}").as_bytes());
    assert!(!journal.contains(&encoded) && !out(&o).contains(&encoded));

    let o = run(&d, &[("METRICS_PASSWORD", "wrong-password-123")]);
    assert_eq!(o.status.code(), Some(1), "{}", out(&o));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("✖ metrics: 401 in "), "{text}");
    assert!(!journal_text(&d).contains("wrong-password-123"));
    assert_eq!(server.requests().len(), 2);
}

/// Standard base64, for the expected `Authorization` header.
fn base64_encode(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut s = String::new();
    for c in bytes.chunks(3) {
        let n = c
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= c.len() {
                s.push(A[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                s.push('=');
            }
        }
    }
    s
}

#[test]
fn a_gates_step_retries_then_fails_with_every_result_journaled() {
    let d = Dir::new(
        r#"
[release]
name = "app"
environment = "staging"
version = "1.2.0"

[[gates]]
id = "marker"
kind = "file"
path = "ready"

[[gates]]
id = "home"
kind = "env"
names = ["HOME"]

[[steps]]
id = "wait"
kind = "gates"
gates = ["marker", "home"]
retry = { attempts = 3, delay = "200ms" }
"#,
    );
    let o = run(&d, &[]);
    assert_eq!(o.status.code(), Some(1), "{}", out(&o));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("attempt 3/3"), "{text}");
    assert!(
        text.contains("after 3 attempts: gate marker fail: ready does not exist"),
        "{text}"
    );
    let (records, st) = d.latest();
    let results: Vec<_> = records
        .iter()
        .filter(|r| r.kind.as_str() == "gate-result")
        .collect();
    assert_eq!(results.len(), 6, "two gates, three attempts");
    assert!(results.iter().all(|r| r.step.as_deref() == Some("wait")));
    assert_eq!(st.steps[0].status.label(), "failed");

    d.write("ready", "");
    let o = d
        .cmd(&[
            "run",
            "--plain",
            "--auto-approve",
            "--abandon",
            "marker fixed",
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
}
