//! The `git-tag` step, run headless: an annotated tag pushed to a bare remote (a local path, and
//! `ssh://` through the test sshd with the operator's `GIT_SSH_COMMAND`), and refusals.

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
        text.contains(
            "pushing v1.2.0 to nowhere failed: git push exited 128: \
             fatal: 'nowhere' does not appear to be a git repository"
        ),
        "{text}"
    );
    assert!(text.contains("the local tag was removed"), "{text}");
    assert!(repo.revparse_single("refs/tags/v1.2.0").is_err());
}

#[test]
fn git_tag_pushes_over_ssh_with_the_operators_ssh_command() {
    let Some(sshd) = crate::sshd::Sshd::start() else {
        return;
    };
    let d = Dir::new(TAGGING);
    let repo = git_repo(d.path());
    let remote_dir = tempfile::tempdir().unwrap();
    let bare = git2::Repository::init_bare(remote_dir.path()).unwrap();
    repo.remote("origin", &sshd.url(remote_dir.path())).unwrap();
    let o = d
        .cmd(&["run", "--plain", "--auto-approve"])
        .env("GIT_SSH_COMMAND", sshd.git_ssh_command())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}\n{}", out(&o), sshd.log());
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("pushed v1.2.0 to origin"), "{text}");
    let head = repo.head().unwrap().peel_to_commit().unwrap().id();
    let pushed = bare.revparse_single("refs/tags/v1.2.0").unwrap();
    assert_eq!(pushed.peel_to_commit().unwrap().id(), head);
    assert!(
        sshd.log().contains("Accepted publickey for root"),
        "{}",
        sshd.log()
    );
}

#[test]
fn a_push_to_an_unreachable_ssh_remote_fails_with_gits_message() {
    let Some(sshd) = crate::sshd::Sshd::start() else {
        return;
    };
    let d = Dir::new(TAGGING);
    let repo = git_repo(d.path());
    // A port nothing listens on (the sshd's own, after it stopped).
    let url = sshd.url(Path::new("/srv/app.git"));
    let ssh = sshd.git_ssh_command();
    drop(sshd);
    repo.remote("origin", &url).unwrap();
    let o = d
        .cmd(&["run", "--plain", "--auto-approve"])
        .env("GIT_SSH_COMMAND", ssh)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", out(&o));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("pushing v1.2.0 to origin failed: git push exited 128: ssh: connect to host 127.0.0.1 port"),
        "{text}"
    );
    assert!(text.contains("Connection refused"), "{text}");
    assert!(text.contains("the local tag was removed"), "{text}");
    assert!(repo.revparse_single("refs/tags/v1.2.0").is_err());
}

#[test]
fn without_an_ssh_command_an_unknown_host_key_fails_instead_of_prompting() {
    let Some(sshd) = crate::sshd::Sshd::start() else {
        return;
    };
    let d = Dir::new(TAGGING);
    let repo = git_repo(d.path());
    repo.remote("origin", &sshd.url(Path::new("/srv/app.git")))
        .unwrap();
    let o = d
        .cmd(&["run", "--plain", "--auto-approve"])
        .env_remove("GIT_SSH_COMMAND")
        .env_remove("GIT_SSH")
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", out(&o));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("Host key verification failed"), "{text}");
}

#[test]
fn a_failed_push_masks_what_git_said() {
    let d = Dir::new(TAGGING);
    let repo = git_repo(d.path());
    repo.remote("origin", "https://deployer:hunter22@127.0.0.1:1/app.git")
        .unwrap();
    let o = d
        .cmd(&["run", "--plain", "--auto-approve"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", out(&o));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("pushing v1.2.0 to origin failed: git push exited"),
        "{text}"
    );
    assert!(!text.contains("hunter22"), "{text}");
}
