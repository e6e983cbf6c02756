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
