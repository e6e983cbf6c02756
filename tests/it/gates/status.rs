//! `flightdeck status [--json]`: every field of the JSON, the table, and the exit codes.

use serde_json::Value;

use super::support::{Demo, closed_port, commit, git_repo, tag};
use crate::run::{Dir, out};

fn runbook(port: u16, git: bool, extra: &str) -> String {
    let git = if git {
        "[git]\npath = \".\"\nrelease_tags = \"v*\"\nlkg_tags = [\"ga-*\"]\n"
    } else {
        ""
    };
    format!(
        r#"
[release]
name = "shop"
environment = "staging"
version = "1.2.0"

{git}
[[gates]]
id = "health"
kind = "http"
url = "http://127.0.0.1:{port}/health"
expect_status = 200

[[gates]]
id = "port"
kind = "tcp"
address = "127.0.0.1:{port}"

[[gates]]
id = "smoke"
kind = "command"
run = "touch smoke-ran"
{extra}
"#
    )
}

fn status_json(d: &Dir, args: &[&str]) -> (Option<i32>, Value) {
    let mut all = vec!["status", "--json"];
    all.extend_from_slice(args);
    let o = d.cmd(&all).output().unwrap();
    let doc =
        serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", out(&o)));
    (o.status.code(), doc)
}

#[test]
fn json_has_every_field_and_exit_0_when_all_pass() {
    let demo = Demo::start(&[]);
    let d = Dir::new(&runbook(demo.port, true, ""));
    let repo = git_repo(d.path());
    tag(&repo, "v1.1.0");
    tag(&repo, "ga-1.1.0");
    commit(&repo, "app.txt", "2\n", "second");
    tag(&repo, "v1.2.0");
    let head = repo
        .head()
        .unwrap()
        .peel_to_commit()
        .unwrap()
        .id()
        .to_string();

    let (code, doc) = status_json(&d, &[]);
    assert_eq!(code, Some(0), "{doc}");
    let keys: Vec<&str> = doc
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys.len(), 5, "{doc}");
    assert!(doc["hosts"].is_array(), "{doc}");
    assert_eq!(doc["release"]["name"], "shop");
    assert_eq!(doc["release"]["environment"], "staging");
    assert_eq!(doc["release"]["version"], "1.2.0");

    let gates = doc["gates"].as_array().unwrap();
    assert_eq!(gates.len(), 3);
    assert_eq!(gates[0]["id"], "health");
    assert_eq!(gates[0]["kind"], "http");
    assert_eq!(gates[0]["state"], "pass");
    assert!(gates[0]["value"].is_number(), "{doc}");
    assert!(gates[0]["message"].as_str().unwrap().starts_with("200 in "));
    assert_eq!(gates[1]["id"], "port");
    assert_eq!(gates[1]["kind"], "tcp");
    assert_eq!(gates[1]["state"], "pass");
    assert_eq!(gates[2]["id"], "smoke");
    assert_eq!(gates[2]["kind"], "command");
    assert_eq!(gates[2]["state"], "not-run");
    assert_eq!(gates[2]["value"], Value::Null);
    assert_eq!(
        gates[2]["message"],
        "not run: command gates run only when a step asks"
    );
    assert!(
        !d.path().join("smoke-ran").exists(),
        "command gates never run in status"
    );

    let git = &doc["revisions"]["git"];
    assert_eq!(git["head"], head.as_str());
    assert_eq!(git["current"], "v1.2.0");
    assert_eq!(git["previous"], "v1.1.0");
    assert_eq!(git["lkg"], "ga-1.1.0");
    assert_eq!(doc["revisions"]["sources"], serde_json::json!([]));
    assert_eq!(doc["services"], serde_json::json!([]));
}

#[test]
fn any_failure_or_error_exits_1_and_git_is_null_without_a_git_section() {
    let demo = Demo::start(&[]);
    let closed = closed_port();
    let failing =
        format!("\n[[gates]]\nid = \"db\"\nkind = \"tcp\"\naddress = \"127.0.0.1:{closed}\"\n");
    let d = Dir::new(&runbook(demo.port, false, &failing));
    let (code, doc) = status_json(&d, &[]);
    assert_eq!(code, Some(1), "{doc}");
    assert_eq!(doc["gates"][3]["state"], "fail");
    assert_eq!(doc["revisions"]["git"], Value::Null);

    let erroring = format!(
        "\n[[gates]]\nid = \"api\"\nkind = \"http\"\nurl = \"http://127.0.0.1:{closed}/\"\n"
    );
    let d = Dir::new(&runbook(demo.port, false, &erroring));
    let (code, doc) = status_json(&d, &[]);
    assert_eq!(code, Some(1), "{doc}");
    assert_eq!(doc["gates"][3]["state"], "error");

    let o = d.cmd(&["status"]).output().unwrap();
    assert_eq!(o.status.code(), Some(1));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.starts_with("shop 1.2.0 → staging\n"), "{text}");
    assert!(text.contains("✔ health"), "{text}");
    assert!(text.contains("? api"), "{text}");
    assert!(text.contains("· smoke"), "{text}");
    assert!(
        text.contains("not run: command gates run only when a step asks"),
        "{text}"
    );
    assert!(
        text.ends_with("status: 2 pass, 0 fail, 1 error, 1 not run\n"),
        "{text}"
    );
}

#[test]
fn env_and_set_are_applied() {
    let d = Dir::new(
        r#"
[release]
name = "shop"
environment = "staging"
version = "1.2.0"

[vars]
marker = "nope"

[environments.production.vars]
marker = "prod-marker"

[[gates]]
id = "marker"
kind = "file"
path = "{{ vars.marker }}"
"#,
    );
    d.write("prod-marker", "");
    d.write("set-marker", "");
    let (code, doc) = status_json(&d, &[]);
    assert_eq!(
        (code, &doc["gates"][0]["state"]),
        (Some(1), &Value::from("fail"))
    );
    let (code, doc) = status_json(&d, &["--env", "production"]);
    assert_eq!(code, Some(0), "{doc}");
    assert_eq!(doc["release"]["environment"], "production");
    let (code, _) = status_json(&d, &["--set", "vars.marker=set-marker"]);
    assert_eq!(code, Some(0));
}

#[test]
fn a_runbook_without_gates_says_so_instead_of_an_empty_table() {
    let d = Dir::new(
        "[release]\nname = \"shop\"\nenvironment = \"staging\"\nversion = \"1\"\n[[steps]]\nid = \"s\"\nkind = \"manual\"\n",
    );
    let o = d.cmd(&["status"]).output().expect("runs");
    let text = out(&o);
    assert_eq!(o.status.code(), Some(0), "{text}");
    assert!(text.contains("no gates in this runbook"), "{text}");
    assert!(!text.contains("GATE"), "no empty table header:\n{text}");
}
