//! Revisions end to end: git facts from a real repository, command sources from the fixture
//! `helm`, `az` and `render` scripts, a version endpoint (the demo service), `status --json`
//! and the headless `[rollback] target` answer. The cockpit's picker is in `picker.rs`.

use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::run::{Dir, out};
use crate::tmux::{bin, wait_file};

/// `tests/fixtures/bin` first on PATH.
pub fn fixture_path() -> String {
    let bin = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/bin");
    format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    )
}

/// A repository with one commit and one annotated tag per name, each a minute after the last
/// (so creation order is real), HEAD on the last commit.
pub fn repo_with_tags(dir: &Path, tags: &[&str]) {
    let repo = git2::Repository::init(dir).expect("init");
    let mut parent: Option<git2::Oid> = None;
    for (i, name) in tags.iter().enumerate() {
        let secs = 1_700_000_000 + 60 * i64::try_from(i).expect("small");
        let sig =
            git2::Signature::new("t", "t@example.com", &git2::Time::new(secs, 0)).expect("sig");
        std::fs::write(dir.join("CHANGES"), name).expect("write");
        let mut index = repo.index().expect("index");
        index.add_path(Path::new("CHANGES")).expect("add");
        let tree = repo
            .find_tree(index.write_tree().expect("tree"))
            .expect("tree");
        let parents: Vec<git2::Commit<'_>> = parent
            .iter()
            .map(|p| repo.find_commit(*p).expect("parent"))
            .collect();
        let refs: Vec<&git2::Commit<'_>> = parents.iter().collect();
        let id = repo
            .commit(Some("HEAD"), &sig, &sig, name, &tree, &refs)
            .expect("commit");
        let obj = repo.find_object(id, None).expect("object");
        repo.tag(name, &obj, &sig, name, false).expect("tag");
        parent = Some(id);
    }
}

const TAGS: [&str; 5] = ["v1.2.0", "v1.9.0", "ga-1.9.0", "v1.10.0", "rc-1.10.0"];

const GIT: &str = r#"
[git]
path = "."
release_tags = "v*"
lkg_tags = ["ga-*", "rc-*"]
"#;

fn release(version: &str) -> String {
    format!("[release]\nname = \"backend\"\nenvironment = \"staging\"\nversion = \"{version}\"\n")
}

fn status_json(d: &Dir, extra: &[&str]) -> Value {
    let mut args = vec!["status", "--json"];
    args.extend_from_slice(extra);
    let o = d
        .cmd(&args)
        .env("PATH", fixture_path())
        .output()
        .expect("runs");
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", out(&o)))
}

#[test]
fn git_previous_and_lkg_from_a_real_repository_in_status_json() {
    let d = Dir::new(&format!("{}{GIT}", release("1.10.0")));
    repo_with_tags(d.path(), &TAGS);
    let v = status_json(&d, &[]);
    let git = &v["revisions"]["git"];
    assert_eq!(git["previous"], "v1.9.0", "{v:#}");
    assert_eq!(git["lkg"], "rc-1.10.0", "{v:#}");
    assert_eq!(git["head"].as_str().map(str::len), Some(40));
    assert_eq!(v["revisions"]["sources"], Value::Array(vec![]));
}

const HELM: &str = r#"
[[revisions]]
name = "helm"
command = "helm history backend -o json"
fields = { id = "$[*].revision", status = "$[*].status", at = "$[*].updated", description = "$[*].description" }
"#;

const OTHERS: &str = r#"
[[revisions]]
name = "az"
command = "az containerapp revision list --name trade-nexus-backend --resource-group trade-nexus -o json"
fields = { id = "$[*].name", status = "$[*].properties.runningState", at = "$[*].properties.createdTime" }

[[revisions]]
name = "render"
command = "render deploys list srv-cn5q2ftjm4es73e6s0ag -o json"
fields = { id = "$[*].deploy.id", status = "$[*].deploy.status", at = "$[*].deploy.createdAt", description = "$[*].deploy.commit.message" }

[[revisions]]
name = "broken"
command = "helm history frontend -o json"
fields = { id = "$[*].revision" }

[[revisions]]
name = "table"
command = "az containerapp revision list --name trade-nexus-backend --resource-group trade-nexus -o table"
fields = { id = "$[*].name" }
"#;

fn rows(v: &Value, name: &str) -> Vec<(String, String, String)> {
    let s = v["revisions"]["sources"]
        .as_array()
        .and_then(|a| a.iter().find(|s| s["name"] == name))
        .unwrap_or_else(|| panic!("no source {name}: {v:#}"));
    s["rows"]
        .as_array()
        .unwrap_or_else(|| panic!("{name} has no rows: {s}"))
        .iter()
        .map(|r| {
            let f = |k: &str| r[k].as_str().unwrap_or("-").to_owned();
            (f("id"), f("status"), f("at"))
        })
        .collect()
}

#[test]
fn helm_az_and_render_fixtures_parse_and_failures_are_error_rows() {
    let d = Dir::new(&format!("{}{HELM}{OTHERS}", release("1.10.0")));
    let v = status_json(&d, &[]);
    let helm = rows(&v, "helm");
    let ids: Vec<&str> = helm.iter().map(|r| r.0.as_str()).collect();
    assert_eq!(ids, ["42", "41", "40", "39"], "newest first");
    assert_eq!(helm[0].1, "deployed");
    assert_eq!(helm[0].2, "2024-05-14T08:31:12Z");
    let az = rows(&v, "az");
    assert_eq!(az[0].0, "trade-nexus-backend--0000042");
    assert_eq!(az[0].1, "Running");
    assert_eq!(az[2].1, "Deprovisioned");
    assert_eq!(az[2].2, "2024-05-09T10:05:41Z");
    let render = rows(&v, "render");
    assert_eq!(render[0].0, "dep-cp1s3kfsc6pc73a0t5m0");
    assert_eq!(render[0].1, "live");
    let sources = v["revisions"]["sources"].as_array().expect("sources");
    let first = sources
        .iter()
        .find(|s| s["name"] == "render")
        .expect("render");
    assert_eq!(first["rows"][0]["description"], "Release 1.10.0");
    let broken = sources
        .iter()
        .find(|s| s["name"] == "broken")
        .expect("broken");
    assert_eq!(broken["error"], "exit status 1: Error: release: not found");
    let table = sources
        .iter()
        .find(|s| s["name"] == "table")
        .expect("table");
    assert!(
        table["error"]
            .as_str()
            .is_some_and(|e| e.starts_with("stdout is not JSON")),
        "{table}"
    );
    // The table names them too.
    let o = d
        .cmd(&["status"])
        .env("PATH", fixture_path())
        .output()
        .expect("runs");
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("helm: 42 deployed · 41 superseded"), "{text}");
    assert!(text.contains("broken: ✖ exit status 1"), "{text}");
}

/// The demo service serving `/api/system/version` as `{"version": V, "sha": …}`.
struct VersionService {
    port: u16,
    child: Child,
}

impl VersionService {
    fn start(version: &str) -> VersionService {
        let port = crate::watch::free_port();
        let child = Command::new(bin())
            .args(["demo-service", "--port", &port.to_string()])
            .args(["--version", version, "--sha", "3f2a1c7"])
            .spawn()
            .expect("demo-service starts");
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "demo-service never listened");
            std::thread::sleep(Duration::from_millis(50));
        }
        VersionService { port, child }
    }
}

impl Drop for VersionService {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn a_version_endpoint_shows_a_match_and_a_mismatch() {
    let svc = VersionService::start("1.10.0");
    let d = Dir::new(&format!(
        "{}\n[[revisions]]\nname = \"live\"\nurl = \"http://127.0.0.1:{}/api/system/version\"\nversion = \"$.version\"\nsha = \"$.sha\"\n",
        release("1.10.0"),
        svc.port
    ));
    let v = status_json(&d, &[]);
    let live = &v["revisions"]["sources"][0];
    assert_eq!(live["version"], "1.10.0", "{v:#}");
    assert_eq!(live["sha"], "3f2a1c7");
    assert_eq!(live["matches"], true);
    let v = status_json(&d, &["--release-version", "1.11.0"]);
    assert_eq!(v["revisions"]["sources"][0]["matches"], false, "{v:#}");
    drop(svc);
    let v = status_json(&d, &[]);
    let err = v["revisions"]["sources"][0]["error"].as_str().unwrap_or("");
    assert!(err.starts_with("cannot connect"), "{v:#}");
}

const PICK: &str = r#"
[[steps]]
id = "deploy"
kind = "run"
run = "echo deployed {{ version }}"

[rollback]
target = "pick"

[[rollback.steps]]
kind = "run"
title = "Roll back to the picked revision"
run = "echo {{ rollback.version }} > picked.txt"
"#;

pub fn pick_dir(run: &str) -> Dir {
    let d = Dir::new(&format!(
        "{}{GIT}{HELM}{}",
        release("1.10.0"),
        PICK.replace("echo deployed {{ version }}", run)
    ));
    repo_with_tags(d.path(), &TAGS);
    d
}

pub fn confirmed_target(d: &Dir) -> Value {
    let (records, _) = d.latest();
    records
        .iter()
        .find(|r| r.kind.as_str() == "rollback-confirmed")
        .map(|r| r.data["target"].clone())
        .expect("rollback-confirmed")
}

#[test]
fn headless_pick_takes_the_answers_target_and_fails_clearly_without_one() {
    // A failing step, a confirmation but no target: the run stops and says how to give one.
    let d = pick_dir("exit 1");
    let answers: PathBuf = d.write("answers.toml", "[rollback]\nconfirm = \"staging\"\n");
    let o = d
        .cmd(&["run", "--plain", "--answers"])
        .arg(&answers)
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(1), "{}", out(&o));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("cannot roll back: rollback.target = \"pick\" needs a choice"),
        "{}",
        out(&o)
    );
    assert!(text.contains("[rollback] target"), "{text}");
    assert!(text.contains("previous v1.9.0, LKG rc-1.10.0"), "{text}");
    let o = d
        .cmd(&["rollback", "--answers"])
        .arg(&answers)
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(1), "{}", out(&o));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("needs a choice"),
        "{}",
        out(&o)
    );
    assert!(!d.path().join("picked.txt").exists());
    // `flightdeck rollback` with the answer rolls back to it.
    d.write(
        "answers.toml",
        "[rollback]\nconfirm = \"staging\"\ntarget = \"41\"\n",
    );
    let o = d
        .cmd(&["rollback", "--answers"])
        .arg(&answers)
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    assert_eq!(wait_file(&d.path().join("picked.txt")).trim(), "41");
    assert_eq!(confirmed_target(&d), "41");
    // And a headless run takes it too.
    let d = pick_dir("exit 1");
    let answers = d.write(
        "answers.toml",
        "[rollback]\nconfirm = \"staging\"\ntarget = \"v1.9.0\"\n",
    );
    let o = d
        .cmd(&["run", "--plain", "--answers"])
        .arg(&answers)
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(3), "{}", out(&o));
    assert_eq!(wait_file(&d.path().join("picked.txt")).trim(), "v1.9.0");
    assert_eq!(confirmed_target(&d), "v1.9.0");
}
