//! `http` gates against the demo service: status, latency, `JSONPath`, timeouts, refusals.

use flightdeck::exec::gates::GateState;
use serde_json::json;

use super::support::{Demo, cx, eval};

#[tokio::test]
async fn status_follows_the_service_health() {
    let tmp = tempfile::tempdir().unwrap();
    let down = tmp.path().join("down");
    let demo = Demo::start(&["--down-file", down.to_str().unwrap()]);
    let g = format!(
        "[[gates]]\nid = \"health\"\nkind = \"http\"\nurl = \"{}\"\nexpect_status = 200\nbody_contains = \"ok\"\n",
        demo.url("/health")
    );
    let cx = cx(tmp.path());
    let o = eval(&g, &cx).await;
    assert_eq!(o.state, GateState::Pass, "{o:?}");
    assert!(o.message.starts_with("200 in "), "{}", o.message);
    assert!(o.value.as_f64().is_some_and(|ms| ms >= 0.0), "{o:?}");

    std::fs::write(&down, "").unwrap();
    let o = eval(&g, &cx).await;
    assert_eq!(o.state, GateState::Fail, "{o:?}");
    assert!(o.message.starts_with("503 in "), "{}", o.message);
    assert!(o.message.ends_with("expected 200"), "{}", o.message);
}

#[tokio::test]
async fn a_slow_endpoint_fails_max_latency_and_times_out() {
    let tmp = tempfile::tempdir().unwrap();
    let demo = Demo::start(&["--delay-ms", "400"]);
    let cx = cx(tmp.path());
    let g = format!(
        "[[gates]]\nid = \"slow\"\nkind = \"http\"\nurl = \"{}\"\nmax_latency = \"100ms\"\n",
        demo.url("/slow")
    );
    let o = eval(&g, &cx).await;
    assert_eq!(o.state, GateState::Fail, "{o:?}");
    assert!(o.message.ends_with("> max_latency 100ms"), "{}", o.message);
    assert!(o.value.as_f64().is_some_and(|ms| ms >= 400.0), "{o:?}");

    let fast = format!(
        "[[gates]]\nid = \"slow\"\nkind = \"http\"\nurl = \"{}\"\nmax_latency = \"2s\"\n",
        demo.url("/slow")
    );
    assert_eq!(eval(&fast, &cx).await.state, GateState::Pass);

    let short = format!(
        "[[gates]]\nid = \"slow\"\nkind = \"http\"\nurl = \"{}\"\ntimeout = \"150ms\"\n",
        demo.url("/slow")
    );
    let o = eval(&short, &cx).await;
    assert_eq!(o.state, GateState::Error, "{o:?}");
    assert_eq!(o.message, "timed out after 150ms");
    assert!(o.took.as_millis() < 1000, "{o:?}");
}

#[tokio::test]
async fn json_path_equals_the_release_version() {
    let tmp = tempfile::tempdir().unwrap();
    let demo = Demo::start(&["--version", "1.2.0"]);
    let g = format!(
        "[[gates]]\nid = \"version\"\nkind = \"http\"\nurl = \"{}\"\njson = {{ path = \"$.version\", equals = \"{{{{ version }}}}\" }}\n",
        demo.url("/api/system/version")
    );
    let mut cx = cx(tmp.path());
    let o = eval(&g, &cx).await;
    assert_eq!(o.state, GateState::Pass, "{o:?}");
    assert_eq!(o.value, json!("1.2.0"));

    cx.ctx.version = "1.3.0".into();
    let o = eval(&g, &cx).await;
    assert_eq!(o.state, GateState::Fail, "{o:?}");
    assert!(
        o.message
            .ends_with("$.version is \"1.2.0\", expected \"1.3.0\""),
        "{}",
        o.message
    );

    let cond = format!(
        "[[gates]]\nid = \"stats\"\nkind = \"http\"\nurl = \"{}\"\njson = {{ path = \"$.error_rate\", condition = \"result < 0.05\" }}\n",
        demo.url("/stats")
    );
    assert_eq!(eval(&cond, &cx).await.state, GateState::Pass);
    let missing = format!(
        "[[gates]]\nid = \"stats\"\nkind = \"http\"\nurl = \"{}\"\njson = {{ path = \"$.nope\", equals = \"x\" }}\n",
        demo.url("/stats")
    );
    let o = eval(&missing, &cx).await;
    assert_eq!(o.state, GateState::Error, "{o:?}");
    assert!(o.message.contains("matched nothing"), "{}", o.message);
}

#[tokio::test]
async fn a_refused_connection_is_an_error_not_a_failure() {
    let tmp = tempfile::tempdir().unwrap();
    let port = super::support::closed_port();
    let g = format!(
        "[[gates]]\nid = \"health\"\nkind = \"http\"\nurl = \"http://127.0.0.1:{port}/health\"\n"
    );
    let o = eval(&g, &cx(tmp.path())).await;
    assert_eq!(o.state, GateState::Error, "{o:?}");
    assert!(o.message.starts_with("cannot connect"), "{}", o.message);
}
