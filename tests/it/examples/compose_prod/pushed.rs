//! Seed 003's repo-digest path, for real: 1.4.2 released again with `vars.registry` set to a
//! registry started by the test (`crate::registry`, Debian's `docker-registry` on 127.0.0.1).
//! The `push` step tags and pushes the image there over plain HTTP (dockerd allows a loopback
//! registry), and the `digest` step records the repo digest: the one Docker keeps in
//! `RepoDigests` and the one the registry itself answers for the tag.

use flightdeck::release::{ReleaseOutcome, ReleasePhase};

use super::super::support::{ComposeCleanup, secs, sh};
use super::{Env, run};
use crate::registry::Registry;
use crate::run::{Dir, out};

/// 1.4.2 again, pushed to a real registry: the digest recorded is
/// `127.0.0.1:PORT/<image>@sha256:<64 hex>`, labelled `repo digest`, equal to Docker's
/// `RepoDigests` and to the `Docker-Content-Digest` the registry serves for the tag.
pub(super) fn release_1_4_2_pushed(d: &Dir, e: &Env) {
    let Some(reg) = Registry::start() else { return };
    let addr = reg.address();
    // The registry's tag of the image on this host (`docker tag` by push.sh).
    let _pushed = ComposeCleanup {
        project: e.project.clone(),
        image: format!("{addr}/{}", e.image),
    };
    let set = format!("vars.registry={addr}");
    let o = run(d, e, &["--set", &set]);
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains(&format!("pushed: {addr}/{}:1.4.2", e.image)),
        "{text}"
    );
    assert!(!text.contains("push skipped"), "{text}");
    let (_, st) = d.latest();
    assert_eq!(st.phase, ReleasePhase::Finished(ReleaseOutcome::Completed));
    let digest = st.captures.get("digest").cloned().expect("digest captured");
    let prefix = format!("{addr}/{}@sha256:", e.image);
    let hex = digest
        .strip_prefix(&prefix)
        .unwrap_or_else(|| panic!("{digest} is not {prefix}…"));
    assert!(
        hex.len() == 64
            && hex
                .chars()
                .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c)),
        "{digest}"
    );
    assert_eq!(
        st.captures.get("digest_kind").map(String::as_str),
        Some("repo digest")
    );
    assert!(
        text.contains(&format!("digest: {digest} (repo digest)")),
        "{text}"
    );
    // What Docker says the image's repo digests are.
    let (ok, inspect) = sh(
        d.path(),
        &format!(
            "docker image inspect --format '{{{{json .RepoDigests}}}}' {}:1.4.2",
            e.image
        ),
        &[],
        secs(30),
    );
    assert!(ok, "{inspect}");
    let repo_digests: Vec<String> = serde_json::from_str(inspect.trim()).expect(&inspect);
    assert_eq!(repo_digests, std::slice::from_ref(&digest), "{inspect}");
    // What the registry serves for the tag.
    assert_eq!(
        reg.manifest_digest(&e.image, "1.4.2"),
        Ok(format!("sha256:{hex}")),
        "the registry serves the recorded digest"
    );
    let rep = d.cmd(&["report"]).timeout(secs(30)).output().unwrap();
    assert_eq!(rep.status.code(), Some(0), "{}", out(&rep));
    let report = String::from_utf8_lossy(&rep.stdout);
    assert!(
        report.contains(&digest),
        "the repo digest is in the report:\n{report}"
    );
}
