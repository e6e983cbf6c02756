//! A failed anchor push is shown on the warning line under the header until a push succeeds.

use super::H;
use crate::release::Event;
use crate::ui::msg::AppMsg;

fn anchor(pushed: bool, error: Option<&str>) -> AppMsg {
    AppMsg::Journaled(
        Event::Anchor {
            refname: "refs/flightdeck/app-1".into(),
            count: 7,
            last_hash: "ab".into(),
            commit: "c0ffee".into(),
            remote: Some("origin".into()),
            pushed,
            error: error.map(str::to_owned),
        },
        super::t(5),
    )
}

#[test]
fn a_failed_anchor_push_shows_in_the_header_until_one_succeeds() {
    let mut h = H::new("staging");
    h.send(anchor(
        false,
        Some("git push exited 128: fatal: no such remote"),
    ));
    let w = h.app.header.warning.clone().unwrap_or_default();
    assert!(
        w.starts_with("anchor push failed: git push exited 128: fatal: no such remote"),
        "{w}"
    );
    let screen = super::drawing::screen(&mut h, 160, 48);
    assert!(screen.contains("anchor push failed"), "{screen}");
    h.send(anchor(true, None));
    assert_eq!(h.app.header.warning, None);
}
