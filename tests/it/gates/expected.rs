//! A failed gate says what it expected (the gates pane shows `✖ version 1.0.0 (want 2.0.0)`);
//! a gate that passes, or one with no expected value, says nothing.

use flightdeck::exec::gates::GateState;

use super::support::{Demo, cx, eval, git_repo};

#[tokio::test]
async fn http_gates_expect_a_version_and_a_status() {
    let tmp = tempfile::tempdir().unwrap();
    let down = tmp.path().join("down");
    let demo = Demo::start(&["--version", "1.0.0", "--down-file", down.to_str().unwrap()]);
    let mut cx = cx(tmp.path());
    cx.ctx.version = "2.0.0".into();
    let version = format!(
        "[[gates]]\nid = \"version\"\nkind = \"http\"\nurl = \"{}\"\njson = {{ path = \"$.version\", equals = \"{{{{ version }}}}\" }}\n",
        demo.url("/api/system/version")
    );
    let o = eval(&version, &cx).await;
    assert_eq!(o.state, GateState::Fail, "{o:?}");
    assert_eq!(o.expected.as_deref(), Some("2.0.0"));
    cx.ctx.version = "1.0.0".into();
    let o = eval(&version, &cx).await;
    assert_eq!((o.state, o.expected), (GateState::Pass, None));

    std::fs::write(&down, "").unwrap();
    let health = |status: &str| {
        format!(
            "[[gates]]\nid = \"health\"\nkind = \"http\"\nurl = \"{}\"\n{status}",
            demo.url("/health")
        )
    };
    let o = eval(&health("expect_status = 200\n"), &cx).await;
    assert_eq!(o.state, GateState::Fail, "{o:?}");
    assert_eq!(o.expected.as_deref(), Some("200"));
    let o = eval(&health(""), &cx).await;
    assert_eq!(o.expected.as_deref(), Some("2xx"), "{o:?}");

    let rate = format!(
        "[[gates]]\nid = \"rate\"\nkind = \"http\"\nurl = \"{}\"\njson = {{ path = \"$.error_rate\", condition = \"result > 1\" }}\n",
        demo.url("/stats")
    );
    std::fs::remove_file(&down).unwrap();
    let o = eval(&rate, &cx).await;
    assert_eq!(o.state, GateState::Fail, "{o:?}");
    assert_eq!(
        o.expected, None,
        "a condition is in the message, not a value"
    );
}

#[tokio::test]
async fn git_and_command_gates_say_what_they_expected() {
    let tmp = tempfile::tempdir().unwrap();
    git_repo(tmp.path());
    let cx = cx(tmp.path());
    let o = eval(
        "[[gates]]\nid = \"git\"\nkind = \"git\"\nbranch = \"release\"\n",
        &cx,
    )
    .await;
    assert_eq!(o.state, GateState::Fail, "{o:?}");
    assert_eq!(o.expected.as_deref(), Some("branch release"));
    let o = eval(
        "[[gates]]\nid = \"git\"\nkind = \"git\"\nhead_tagged = true\n",
        &cx,
    )
    .await;
    assert_eq!(o.expected.as_deref(), Some("a tag"), "{o:?}");
    let o = eval(
        "[[gates]]\nid = \"smoke\"\nkind = \"command\"\nrun = \"exit 3\"\n",
        &cx,
    )
    .await;
    assert_eq!(o.state, GateState::Fail, "{o:?}");
    assert_eq!(o.expected.as_deref(), Some("exit 0"));
}
