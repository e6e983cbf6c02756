//! `docker` gates against real containers: healthy passes, unhealthy fails, the image tag is
//! checked against the release version, and a service with no container fails.

use std::time::{Duration, Instant};

use super::images::{self, Image, free_port};
use super::support::{Cleanup, shared, unique};

fn status(d: &crate::run::Dir, version: &str) -> serde_json::Value {
    let o = d
        .cmd(&["status", "--json", "--release-version", version])
        .output()
        .expect("runs");
    serde_json::from_slice(&o.stdout).expect("json")
}

fn gate<'a>(v: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    v["gates"]
        .as_array()
        .and_then(|g| g.iter().find(|x| x["id"] == id))
        .expect("the gate")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn docker_gates_check_health_restarts_and_the_image_tag() {
    let Some((_host, docker)) = shared().await else {
        return;
    };
    let run = unique();
    let _cleanup = Cleanup {
        docker: docker.clone(),
        run: run.clone(),
    };
    images::build(&docker, Image::Healthy).await.expect("image");
    images::build(&docker, Image::Unhealthy)
        .await
        .expect("image");
    let (good, bad) = (format!("fd-good-{run}"), format!("fd-bad-{run}"));
    images::run(
        &docker,
        Image::Healthy,
        &good,
        &run,
        &[("svc", &format!("good-{run}"))],
        Some(free_port()),
    )
    .await;
    images::run(
        &docker,
        Image::Unhealthy,
        &bad,
        &run,
        &[("svc", &format!("bad-{run}"))],
        Some(free_port()),
    )
    .await;
    let d = crate::run::Dir::new(&format!(
        r#"
[release]
name = "app"
environment = "staging"
version = "1"
[[services]]
name = "good"
match = {{ label = "svc=good-{run}" }}
[[services]]
name = "bad"
match = {{ label = "svc=bad-{run}" }}
[[services]]
name = "none"
match = {{ label = "svc=none-{run}" }}
[[gates]]
id = "good-healthy"
kind = "docker"
service = "good"
healthy = true
max_restarts = 0
image_is_target = true
[[gates]]
id = "bad-healthy"
kind = "docker"
service = "bad"
healthy = true
[[gates]]
id = "none"
kind = "docker"
service = "none"
healthy = true
"#
    ));
    // Health checks run every second: wait (bounded) for both verdicts.
    let deadline = Instant::now() + Duration::from_secs(30);
    let v = loop {
        let v = status(&d, "healthy");
        if (gate(&v, "good-healthy")["state"] == "pass"
            && gate(&v, "bad-healthy")["state"] == "fail")
            || Instant::now() > deadline
        {
            break v;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    assert_eq!(gate(&v, "good-healthy")["state"], "pass", "{v:#}");
    assert_eq!(gate(&v, "good-healthy")["value"], 1);
    let bad_msg = gate(&v, "bad-healthy")["message"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert_eq!(gate(&v, "bad-healthy")["state"], "fail", "{v:#}");
    // Unhealthy, or still starting on a loaded machine: either way not healthy.
    assert!(
        bad_msg.contains("is unhealthy") || bad_msg.contains("is starting"),
        "{bad_msg}"
    );
    assert_eq!(gate(&v, "none")["state"], "fail");
    // The image tag is `healthy`: any other release version is not the target.
    let v = status(&d, "2.0.0");
    let msg = gate(&v, "good-healthy")["message"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert_eq!(gate(&v, "good-healthy")["state"], "fail", "{v:#}");
    assert!(msg.contains("(target 2.0.0)"), "{msg}");
}
