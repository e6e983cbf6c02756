//! The `git-tag` step, run headless: an annotated tag pushed to a bare remote, and refusals.

use std::path::Path;

use super::support::{commit, git_repo};
use crate::run::{Dir, out};

const TAGGING: &str = r#"
[release]
name = "app"
environment = "staging"
version = "1.2.0"

[git]
path = "."

[[steps]]
id = "tag"
kind = "git-tag"
tag = "v{{ version }}"
message = "Release {{ version }} by {{ operator }}"
push = true
remote = "origin"
"#;

fn bare_remote(repo: &git2::Repository, at: &Path) -> git2::Repository {
    let bare = git2::Repository::init_bare(at).unwrap();
    repo.remote("origin", at.to_str().unwrap()).unwrap();
    bare
}

#[test]
fn git_tag_creates_pushes_and_refuses_an_existing_tag() {
    let d = Dir::new(TAGGING);
    let repo = git_repo(d.path());
    let remote_dir = tempfile::tempdir().unwrap();
    let bare = bare_remote(&repo, remote_dir.path());
    let o = d
        .cmd(&["run", "--plain", "--auto-approve", "--operator", "alice"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("pushed v1.2.0 to origin"), "{text}");
    let tag = repo
        .revparse_single("refs/tags/v1.2.0")
        .unwrap()
        .into_tag()
        .expect("an annotated tag");
    assert_eq!(tag.message().unwrap(), Some("Release 1.2.0 by alice"));
    let head = repo.head().unwrap().peel_to_commit().unwrap().id();
    assert_eq!(tag.target_id(), head);
    let pushed = bare.revparse_single("refs/tags/v1.2.0").unwrap();
    assert_eq!(pushed.peel_to_commit().unwrap().id(), head);

    let o = d
        .cmd(&["run", "--plain", "--auto-approve"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", out(&o));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("refused: tag v1.2.0 already exists (at "),
        "{text}"
    );
}

#[test]
fn git_tag_refuses_a_dirty_tree_unless_allowed() {
    let d = Dir::new(&TAGGING.replace("push = true", "push = false"));
    let repo = git_repo(d.path());
    commit(&repo, "app.txt", "v1\n", "app");
    std::fs::write(d.path().join("app.txt"), "edited\n").unwrap();
    let o = d
        .cmd(&["run", "--plain", "--auto-approve"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", out(&o));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("refused: the worktree has 1 changed file(s): app.txt"),
        "{text}"
    );
    assert!(
        repo.revparse_single("refs/tags/v1.2.0").is_err(),
        "no tag was made"
    );

    let d2 = Dir::new(&TAGGING.replace("push = true", "allow_dirty = true"));
    let repo2 = git_repo(d2.path());
    std::fs::write(d2.path().join("README"), "edited\n").unwrap();
    let o = d2
        .cmd(&["run", "--plain", "--auto-approve"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    assert!(repo2.revparse_single("refs/tags/v1.2.0").is_ok());
}

#[test]
fn a_failed_push_removes_the_local_tag() {
    let d = Dir::new(&TAGGING.replace("remote = \"origin\"", "remote = \"nowhere\""));
    let repo = git_repo(d.path());
    let o = d
        .cmd(&["run", "--plain", "--auto-approve"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", out(&o));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("pushing v1.2.0 to nowhere failed: no remote `nowhere`"),
        "{text}"
    );
    assert!(text.contains("the local tag was removed"), "{text}");
    assert!(repo.revparse_single("refs/tags/v1.2.0").is_err());
}
