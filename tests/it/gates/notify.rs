//! The `notify` step, run headless: JSON `{"text": …}` to a local listener; plain http refused.

use super::steps::{journal_text, run};
use super::support::Recorder;
use crate::run::{Dir, out};

fn notify_runbook(url: &str) -> String {
    format!(
        r#"
[release]
name = "app"
environment = "staging"
version = "1.2.0"

[secrets]
env = ["NOTIFY_SECRET"]

[[steps]]
id = "announce"
kind = "notify"
url = "{url}"
message = "app {{{{ version }}}} released to {{{{ release.environment }}}} {{{{ env.NOTIFY_SECRET }}}}"
headers = {{ X-Token = "t-1" }}
"#
    )
}

#[test]
fn notify_posts_json_text_to_a_local_listener() {
    let server = Recorder::start(1, |_| (200, "ok".into()));
    let d = Dir::new(&notify_runbook(&format!(
        "http://127.0.0.1:{}/hooks/secret-token",
        server.port
    )));
    let o = run(&d, &[("NOTIFY_SECRET", "hunter22")]);
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    let got = server.requests();
    assert_eq!(got.len(), 1);
    assert!(
        got[0].head.starts_with("POST /hooks/secret-token HTTP/1.1"),
        "{}",
        got[0].head
    );
    let head = got[0].head.to_ascii_lowercase();
    assert!(head.contains("content-type: application/json") && head.contains("x-token: t-1"));
    let body: serde_json::Value = serde_json::from_str(&got[0].body).unwrap();
    assert_eq!(
        body,
        serde_json::json!({"text": "app 1.2.0 released to staging ••••"})
    );
    assert!(String::from_utf8_lossy(&o.stdout).contains("notified 127.0.0.1 (200)"));
    assert!(
        !journal_text(&d).contains("secret-token"),
        "the webhook path stays out"
    );
}

#[test]
fn notify_refuses_plain_http_off_loopback() {
    let d = Dir::new(&notify_runbook("http://hooks.example.invalid/x"));
    let o = run(&d, &[("NOTIFY_SECRET", "hunter22")]);
    assert_eq!(o.status.code(), Some(1), "{}", out(&o));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("refused: http://hooks.example.invalid is not encrypted and not loopback"),
        "{text}"
    );
}
