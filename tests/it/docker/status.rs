//! `flightdeck status --json` lists each service's containers from a real daemon.

use super::images::{self, Image};
use super::support::{Cleanup, shared, unique};

/// A running sleep container labelled `app=<run>` on the shared daemon: its name, the run id
/// and the cleanup; `None` without Docker.
async fn sleeper(tag: &str) -> Option<(String, String, Cleanup)> {
    let (_host, docker) = shared().await?;
    let run = unique();
    let cleanup = Cleanup {
        docker: docker.clone(),
        run: run.clone(),
    };
    images::build(&docker, Image::Sleep).await.expect("image");
    let name = format!("{tag}-{run}");
    images::run(&docker, Image::Sleep, &name, &run, &[("app", &run)], None).await;
    Some((name, run, cleanup))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_json_lists_service_containers() {
    let Some((name, run, _cleanup)) = sleeper("fd-status").await else {
        return;
    };
    let d = crate::run::Dir::new(&format!(
        "[release]\nname = \"app\"\nenvironment = \"staging\"\nversion = \"1\"\n[[services]]\nname = \"sleeper\"\nmatch = {{ label = \"app={run}\" }}\n\
         [[services]]\nname = \"ghost\"\nmatch = {{ name = \"fd-ghost-{run}-*\" }}\n"
    ));
    let o = d.cmd(&["status", "--json"]).output().expect("runs");
    assert_eq!(o.status.code(), Some(0), "{}", crate::run::out(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    let svc = &v["services"][0];
    assert_eq!(svc["name"], "sleeper");
    let c = &svc["containers"][0];
    assert_eq!(c["name"], name.as_str());
    assert_eq!(c["host"], "local");
    assert_eq!(c["image"], Image::Sleep.tag());
    assert_eq!(c["state"], "running");
    assert_eq!(c["health"], "none");
    assert_eq!(v["services"][1]["containers"], serde_json::json!([]));

    // The same, as text.
    let o = d.cmd(&["status"]).output().expect("runs");
    let text = crate::run::out(&o);
    assert!(
        text.contains(&format!("service sleeper: {name} on local · "))
            && text.contains("· running · no healthcheck"),
        "{text}"
    );
    assert!(
        text.contains("service ghost: no matching containers"),
        "{text}"
    );
}

/// `[[docker.hosts]] url` is a template: it is rendered before anything connects, and an
/// undefined variable is an error naming the host and the fix.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_templated_docker_host_url_is_rendered_before_connecting() {
    let Some((name, run, _cleanup)) = sleeper("fd-tplhost").await else {
        return;
    };
    let d = crate::run::Dir::new(&format!(
        "[release]\nname = \"app\"\nenvironment = \"staging\"\nversion = \"1\"\n\
         [[docker.hosts]]\nname = \"here\"\nurl = \"{{{{ env.FD_TEST_DOCKER_URL }}}}\"\n\
         [[services]]\nname = \"sleeper\"\nmatch = {{ label = \"app={run}\" }}\n"
    ));
    let o = d
        .cmd(&["status", "--json"])
        .env("FD_TEST_DOCKER_URL", "unix:///var/run/docker.sock")
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(0), "{}", crate::run::out(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    let c = &v["services"][0]["containers"][0];
    assert_eq!(c["name"], name.as_str(), "{v}");
    assert_eq!(c["host"], "here");

    let o = d
        .cmd(&["status", "--json"])
        .env_remove("FD_TEST_DOCKER_URL")
        .output()
        .expect("runs");
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("[[docker.hosts]] `here`") && err.contains("FD_TEST_DOCKER_URL"),
        "{err}"
    );
}
