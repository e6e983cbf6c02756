//! The `gates`, `git-tag` and `notify` steps, run headless by the binary.

use std::path::Path;

use super::support::{Recorder, commit, git_repo};
use crate::run::{Dir, out};

const PASSWORD: &str = "s3cr3t-Pa55word-xyz";

fn run(d: &Dir, envs: &[(&str, &str)]) -> std::process::Output {
    let mut c = d.cmd(&["run", "--plain", "--auto-approve"]);
    for (k, v) in envs {
        c.env(k, v);
    }
    c.output().unwrap()
}

fn journal_text(d: &Dir) -> String {
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
    assert!(text.contains("gate metrics: fail — 401 in "), "{text}");
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

const TAGGING: &str = r#"
[release]
name = "app"
environment = "staging"
version = "1.2.0"

[git]
path = "."

[[steps]]
id = "tag"
kind = "git-tag"
tag = "v{{ version }}"
message = "Release {{ version }} by {{ operator }}"
push = true
remote = "origin"
"#;

fn bare_remote(repo: &git2::Repository, at: &Path) -> git2::Repository {
    let bare = git2::Repository::init_bare(at).unwrap();
    repo.remote("origin", at.to_str().unwrap()).unwrap();
    bare
}

#[test]
fn git_tag_creates_pushes_and_refuses_an_existing_tag() {
    let d = Dir::new(TAGGING);
    let repo = git_repo(d.path());
    let remote_dir = tempfile::tempdir().unwrap();
    let bare = bare_remote(&repo, remote_dir.path());
    let o = d
        .cmd(&["run", "--plain", "--auto-approve", "--operator", "alice"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("pushed v1.2.0 to origin"), "{text}");
    let tag = repo
        .revparse_single("refs/tags/v1.2.0")
        .unwrap()
        .into_tag()
        .expect("an annotated tag");
    assert_eq!(tag.message().unwrap(), Some("Release 1.2.0 by alice"));
    let head = repo.head().unwrap().peel_to_commit().unwrap().id();
    assert_eq!(tag.target_id(), head);
    let pushed = bare.revparse_single("refs/tags/v1.2.0").unwrap();
    assert_eq!(pushed.peel_to_commit().unwrap().id(), head);

    let o = d
        .cmd(&["run", "--plain", "--auto-approve"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", out(&o));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("refused: tag v1.2.0 already exists (at "),
        "{text}"
    );
}

#[test]
fn git_tag_refuses_a_dirty_tree_unless_allowed() {
    let d = Dir::new(&TAGGING.replace("push = true", "push = false"));
    let repo = git_repo(d.path());
    commit(&repo, "app.txt", "v1\n", "app");
    std::fs::write(d.path().join("app.txt"), "edited\n").unwrap();
    let o = d
        .cmd(&["run", "--plain", "--auto-approve"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", out(&o));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("refused: the worktree has 1 changed file(s): app.txt"),
        "{text}"
    );
    assert!(
        repo.revparse_single("refs/tags/v1.2.0").is_err(),
        "no tag was made"
    );

    let d2 = Dir::new(&TAGGING.replace("push = true", "allow_dirty = true"));
    let repo2 = git_repo(d2.path());
    std::fs::write(d2.path().join("README"), "edited\n").unwrap();
    let o = d2
        .cmd(&["run", "--plain", "--auto-approve"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    assert!(repo2.revparse_single("refs/tags/v1.2.0").is_ok());
}

#[test]
fn a_failed_push_removes_the_local_tag() {
    let d = Dir::new(&TAGGING.replace("remote = \"origin\"", "remote = \"nowhere\""));
    let repo = git_repo(d.path());
    let o = d
        .cmd(&["run", "--plain", "--auto-approve"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", out(&o));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("pushing v1.2.0 to nowhere failed: no remote `nowhere`"),
        "{text}"
    );
    assert!(text.contains("the local tag was removed"), "{text}");
    assert!(repo.revparse_single("refs/tags/v1.2.0").is_err());
}

fn notify_runbook(url: &str, extra: &str) -> String {
    format!(
        r#"
[release]
name = "app"
environment = "staging"
version = "1.2.0"

[[steps]]
id = "announce"
kind = "notify"
url = "{url}"
message = "app {{{{ version }}}} released to {{{{ release.environment }}}}"
headers = {{ X-Token = "t-1" }}
{extra}
"#
    )
}

#[test]
fn notify_posts_json_text_to_a_local_listener() {
    let server = Recorder::start(1, |_| (200, "ok".into()));
    let d = Dir::new(&notify_runbook(
        &format!("http://127.0.0.1:{}/hooks/secret-token", server.port),
        "",
    ));
    let o = run(&d, &[]);
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
        serde_json::json!({"text": "app 1.2.0 released to staging"})
    );
    assert!(String::from_utf8_lossy(&o.stdout).contains("notified 127.0.0.1 (200)"));
    assert!(
        !journal_text(&d).contains("secret-token"),
        "the webhook path stays out"
    );
}

#[test]
fn notify_refuses_plain_http_off_loopback() {
    let d = Dir::new(&notify_runbook("http://hooks.example.invalid/x", ""));
    let o = run(&d, &[]);
    assert_eq!(o.status.code(), Some(1), "{}", out(&o));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("refused: http://hooks.example.invalid is not encrypted and not loopback"),
        "{text}"
    );
}
