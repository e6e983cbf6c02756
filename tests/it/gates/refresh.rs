//! The gates pane's background refresh (`watch::gates`): each gate at its interval, and all of
//! them at once when asked (the cockpit asks after every finished step).

use std::time::Duration;

use flightdeck::ui::model::GateState;
use flightdeck::watch::gates;

use super::support::{cx, gate};

#[tokio::test]
async fn refresh_now_measures_at_once_and_not_only_at_the_interval() {
    let dir = tempfile::tempdir().expect("tempdir");
    let g = gate(
        r#"
[[gates]]
id = "marker"
kind = "file"
path = "deployed.txt"
interval = "1h"
"#,
    );
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let refresher = gates::spawn(std::slice::from_ref(&g), &cx(dir.path()), &tx);
    let first = tokio::time::timeout(Duration::from_secs(5), rx.recv())
        .await
        .expect("the first measurement comes at once")
        .expect("a row");
    assert_eq!(first.id, "marker");
    assert_eq!(first.state, GateState::Fail, "{first:?}");

    // The file appears (a deploy step wrote it); the next interval is an hour away.
    std::fs::write(dir.path().join("deployed.txt"), "v2").expect("write");
    assert!(
        tokio::time::timeout(Duration::from_millis(500), rx.recv())
            .await
            .is_err(),
        "nothing is measured before the interval unless asked"
    );
    refresher.refresh_now();
    let again = tokio::time::timeout(Duration::from_secs(5), rx.recv())
        .await
        .expect("asked, it measures at once")
        .expect("a row");
    assert_eq!(again.state, GateState::Pass, "{again:?}");
    drop(refresher);
}
