//! Journal anchors in git (DESIGN.md §9.3): the journal head committed as `head.json` onto
//! `refs/flightdeck/<release-id>` (each anchor's parent the previous one) in the runbook's
//! repository, read back for `journal verify`, and fetched from a remote with the operator's
//! own `git` (no controlling terminal, no prompts). Pushing goes through [`super::git_push`].

use std::path::Path;
use std::process::{Command, Stdio};

use git2::{Oid, Repository, Signature};
use serde::{Deserialize, Serialize};

/// The seal an anchor carries, when the seal point was signed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnchorSeal {
    pub count: u64,
    pub last_hash: String,
    pub key: String,
    pub signature: String,
}

/// What `head.json` holds: the journal head when the anchor was made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnchorHead {
    pub release_id: String,
    pub count: u64,
    pub last_hash: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seal: Option<AnchorSeal>,
}

/// The ref a release is anchored on.
pub fn refname(release_id: &str) -> String {
    format!("refs/flightdeck/{release_id}")
}

/// The e-mail of the anchor commits: the operator's name at a domain that cannot exist, so
/// no git identity needs configuring.
pub fn operator_email(operator: &str) -> String {
    let local: String = operator
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._-".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("{local}@flightdeck.invalid")
}

/// Commit `head` onto `refs/flightdeck/<release-id>` in the repository at (or above) `repo`,
/// with the previous anchor as parent; author and committer are `operator`. Returns the commit.
pub fn commit(repo: &Path, head: &AnchorHead, operator: &str) -> Result<String, String> {
    let r = Repository::discover(repo).map_err(|e| {
        format!(
            "anchor: {} is not a git repository: {}",
            repo.display(),
            e.message()
        )
    })?;
    let name = refname(&head.release_id);
    let fail =
        |what: &str, e: &git2::Error| format!("anchor {name}: cannot {what}: {}", e.message());
    let json = serde_json::to_vec_pretty(head).map_err(|e| format!("anchor {name}: {e}"))?;
    let blob = r.blob(&json).map_err(|e| fail("write head.json", &e))?;
    let mut tb = r
        .treebuilder(None)
        .map_err(|e| fail("build the tree", &e))?;
    tb.insert("head.json", blob, 0o100_644)
        .map_err(|e| fail("build the tree", &e))?;
    let tree_id = tb.write().map_err(|e| fail("write the tree", &e))?;
    let tree = r
        .find_tree(tree_id)
        .map_err(|e| fail("read the tree", &e))?;
    let parent = r
        .find_reference(&name)
        .ok()
        .and_then(|rf| rf.peel_to_commit().ok());
    let who = if operator.trim().is_empty() {
        "flightdeck"
    } else {
        operator
    };
    let sig = Signature::now(who, &operator_email(who)).map_err(|e| fail("sign the commit", &e))?;
    let message = format!(
        "flightdeck anchor: {} at {} records\n\nlast_hash {}\n",
        head.release_id, head.count, head.last_hash
    );
    let parents: Vec<&git2::Commit<'_>> = parent.iter().collect();
    let id = r
        .commit(None, &sig, &sig, &message, &tree, &parents)
        .map_err(|e| fail("commit", &e))?;
    r.reference(&name, id, true, "flightdeck anchor")
        .map_err(|e| fail("update the ref", &e))?;
    Ok(id.to_string())
}

/// The anchors on `refname` (or at the commit `rev`) in `repo`, newest first: each commit and
/// its `head.json`. `Ok(None)` when the ref does not exist.
pub fn read_chain(repo: &Path, rev: &str) -> Result<Option<Vec<(String, AnchorHead)>>, String> {
    let r = Repository::discover(repo).map_err(|e| {
        format!(
            "{} is not a git repository: {}",
            repo.display(),
            e.message()
        )
    })?;
    let Ok(obj) = r.revparse_single(rev) else {
        return Ok(None);
    };
    let mut commit = obj
        .peel_to_commit()
        .map_err(|e| format!("{rev} is not a commit: {}", e.message()))?;
    let mut out = Vec::new();
    loop {
        out.push((commit.id().to_string(), head_of(&r, &commit)?));
        match commit.parent(0) {
            Ok(p) => commit = p,
            Err(_) => break,
        }
    }
    Ok(Some(out))
}

fn head_of(r: &Repository, c: &git2::Commit<'_>) -> Result<AnchorHead, String> {
    let short = &c.id().to_string()[..12];
    let tree = c
        .tree()
        .map_err(|e| format!("anchor commit {short}: {}", e.message()))?;
    let entry = tree
        .get_name("head.json")
        .ok_or_else(|| format!("anchor commit {short} has no head.json"))?;
    let blob = r
        .find_blob(entry.id())
        .map_err(|e| format!("anchor commit {short}: {}", e.message()))?;
    serde_json::from_slice(blob.content())
        .map_err(|e| format!("anchor commit {short}: head.json is not valid ({e})"))
}

/// Fetch `refname` from `remote` into the repository with the `git` CLI (the operator's
/// credentials and ssh; nothing prompts) and return the commit the remote has; `Ok(None)` when
/// the remote has no such ref.
pub fn fetch(repo: &Path, remote: &str, refname: &str) -> Result<Option<String>, String> {
    let out = git(repo)
        .args(["fetch", "--quiet", "--no-tags", "--", remote, refname])
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if !out.status.success() {
        let said = String::from_utf8_lossy(&out.stderr);
        if said.contains("couldn't find remote ref") {
            return Ok(None);
        }
        let said: Vec<&str> = said
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect();
        return Err(format!("git fetch {remote} failed: {}", said.join("; ")));
    }
    let head = git(repo)
        .args(["rev-parse", "--verify", "FETCH_HEAD^{commit}"])
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if !head.status.success() {
        return Err("git fetch left no FETCH_HEAD".into());
    }
    Ok(Some(
        String::from_utf8_lossy(&head.stdout).trim().to_owned(),
    ))
}

/// `git` in `repo` without a controlling terminal, stdin from /dev/null, never prompting.
fn git(repo: &Path) -> Command {
    let setsid = ["/usr/bin/setsid", "/bin/setsid"]
        .into_iter()
        .find(|p| Path::new(p).is_file());
    let mut c = match setsid {
        Some(s) => {
            let mut c = Command::new(s);
            c.arg("git");
            c
        }
        None => Command::new("git"),
    };
    c.current_dir(repo)
        .env("GIT_TERMINAL_PROMPT", "0")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if !super::git_push::operator_chose_ssh(repo) {
        c.env("GIT_SSH_COMMAND", super::git_push::BATCH_SSH);
    }
    c
}

/// The commit `refname` points at in `repo`, if it exists.
pub fn local_tip(repo: &Path, refname: &str) -> Option<Oid> {
    let r = Repository::discover(repo).ok()?;
    r.refname_to_id(refname).ok()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn head(count: u64) -> AnchorHead {
        AnchorHead {
            release_id: "app-1.0-20261206T000000Z".into(),
            count,
            last_hash: format!("{count:064x}"),
            seal: None,
        }
    }

    #[test]
    fn anchors_chain_onto_the_ref_without_a_git_identity() {
        let dir = tempfile::tempdir().unwrap();
        Repository::init(dir.path()).unwrap();
        let first = commit(dir.path(), &head(1), "alice smith").unwrap();
        let second = commit(dir.path(), &head(7), "alice smith").unwrap();
        assert_ne!(first, second);
        let chain = read_chain(dir.path(), &refname(&head(1).release_id))
            .unwrap()
            .unwrap();
        assert_eq!(chain.len(), 2);
        assert_eq!(chain[0], (second.clone(), head(7)));
        assert_eq!(chain[1], (first, head(1)));
        let r = Repository::open(dir.path()).unwrap();
        let c = r.find_commit(Oid::from_str(&second).unwrap()).unwrap();
        assert_eq!(c.author().name().ok(), Some("alice smith"));
        assert_eq!(
            c.committer().email().ok(),
            Some("alice_smith@flightdeck.invalid")
        );
        assert!(
            read_chain(dir.path(), "refs/flightdeck/none")
                .unwrap()
                .is_none()
        );
    }
}
