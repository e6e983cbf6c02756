//! Unit tests of the Docker executors' pure parts: tags for retained names, and the deferred
//! cancel of [`super::spawn`].

use std::time::Duration;

use tokio::sync::mpsc;

use super::ops::tag_of;
use crate::release::{Msg, Outcome, Phase};

#[test]
fn tags_of_image_references() {
    assert_eq!(tag_of("registry.test:5000/acme/web:1.4.2"), "1.4.2");
    assert_eq!(tag_of("web:v1"), "v1");
    assert_eq!(tag_of("registry.test:5000/acme/web"), "latest");
    assert_eq!(tag_of("web@sha256:abcdef0123456789ff"), "abcdef012345");
    assert_eq!(tag_of("sha256:0123456789abcdef0123"), "0123456789ab");
}

async fn finished(rx: &mut mpsc::UnboundedReceiver<Msg>) -> (Outcome, Vec<String>) {
    let mut said = Vec::new();
    loop {
        match tokio::time::timeout(Duration::from_secs(5), rx.recv()).await {
            Ok(Some(Msg::Finished { outcome, .. })) => return (outcome, said),
            Ok(Some(Msg::Output { lines, .. })) => said.extend(lines),
            Ok(Some(_)) => {}
            other => panic!("no Finished: {other:?}"),
        }
    }
}

#[tokio::test]
async fn a_cancel_waits_for_the_docker_action_to_end() {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let mut h = super::spawn(Phase::Main, "deploy".into(), tx, async {
        tokio::time::sleep(Duration::from_millis(200)).await;
        Ok(())
    });
    h.cancel();
    let (outcome, said) = finished(&mut rx).await;
    assert_eq!(outcome, Outcome::Cancelled);
    assert!(
        said.iter().any(|l| l.contains("cancel requested")),
        "{said:?}"
    );
}

#[tokio::test]
async fn a_dropped_handle_is_not_a_cancel_and_failures_fail() {
    let (tx, mut rx) = mpsc::unbounded_channel();
    drop(super::spawn(Phase::Main, "d".into(), tx.clone(), async {
        tokio::time::sleep(Duration::from_millis(50)).await;
        Ok(())
    }));
    assert_eq!(finished(&mut rx).await.0, Outcome::Succeeded);
    let _h = super::spawn(Phase::Main, "d".into(), tx, async { Err("no".to_owned()) });
    assert_eq!(finished(&mut rx).await.0, Outcome::Failed);
}

#[test]
fn docker_steps_are_refused_while_a_host_is_not_live() {
    use crate::runbook::{DockerHost, Step, StepKind};
    use crate::watch::docker::{DockerModel, DockerMsg};
    let step = |kind| Step {
        id: "s".into(),
        title: "s".into(),
        timeout: None,
        kind,
        span: 0..1,
        approval: None,
        wait_for: Vec::new(),
    };
    let rollback = step(StepKind::DockerRollback {
        service: "web".into(),
    });
    let other = step(StepKind::Watch {
        duration: crate::runbook::Dur::Fixed(Duration::from_secs(1)),
        triggers: Vec::new(),
        background: false,
    });
    assert_eq!(super::service_of(&rollback), Some("web"));
    assert_eq!(super::service_of(&other), None);
    let host = DockerHost {
        name: "local".into(),
        url: "unix:///nowhere.sock".into(),
        tls: None,
    };
    let mut m = DockerModel::new(&[host]);
    let why = super::check_live(&rollback, &m).expect_err("connecting is refused");
    assert!(why.contains("not connected yet"), "{why}");
    assert!(super::check_live(&other, &m).is_ok());
    let at = chrono::Utc::now();
    m.apply(DockerMsg::HostUp {
        host: "local".into(),
        at,
        api: "1.41".into(),
        down_since: None,
    });
    m.apply(DockerMsg::Snapshot {
        host: "local".into(),
        at,
        containers: Vec::new(),
    });
    assert!(super::check_live(&rollback, &m).is_ok());
    m.apply(DockerMsg::HostDown {
        host: "local".into(),
        at,
        reason: "connection refused".into(),
    });
    let why = super::check_live(&rollback, &m).expect_err("stale is refused");
    assert!(why.contains("STALE"), "{why}");
}
