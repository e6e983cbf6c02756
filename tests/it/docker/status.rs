//! `flightdeck status --json` lists each service's containers from a real daemon.

use super::images::{self, Image};
use super::support::{Cleanup, shared, unique};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_json_lists_service_containers() {
    let Some((_host, docker)) = shared().await else {
        return;
    };
    let run = unique();
    let _cleanup = Cleanup {
        docker: docker.clone(),
        run: run.clone(),
    };
    images::build(&docker, Image::Sleep).await.expect("image");
    let name = format!("fd-status-{run}");
    images::run(&docker, Image::Sleep, &name, &run, &[("app", &run)], None).await;
    let d = crate::run::Dir::new(&format!(
        "[release]\nname = \"app\"\nenvironment = \"staging\"\nversion = \"1\"\n[[services]]\nname = \"sleeper\"\nmatch = {{ label = \"app={run}\" }}\n"
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
}
