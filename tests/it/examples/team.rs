//! What the examples' production runs need from a team: real SSH keys for alice (the
//! operator), bob and carol written to the example's `allowed_signers`, pre-approvals signed
//! with `flightdeck approve --pre`, a bare `origin` served over the test sshd (tags and journal
//! anchors are pushed there), and a webhook receiver on 127.0.0.1 for `[[notifications]]`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::run::{Dir, out};
use crate::sshd::Sshd;
use crate::webhook::Hook;

use super::support::{secs, sh};

/// Three keys in a temp dir; `allowed_signers` in the example names each for `flightdeck`.
pub struct Team {
    dir: tempfile::TempDir,
}

impl Team {
    /// Keys for alice, bob and carol, and `allowed_signers` written into `example` (before
    /// its `git_init`, so the tree stays clean).
    pub fn new(example: &Path) -> Team {
        let dir = tempfile::tempdir().unwrap();
        let mut lines = String::from("# written by the test: principal namespaces key\n");
        for who in ["alice", "bob", "carol"] {
            let key = dir.path().join(who);
            let o = Command::new("ssh-keygen")
                .args(["-q", "-t", "ed25519", "-N", "", "-C", who, "-f"])
                .arg(&key)
                .stdin(Stdio::null())
                .output()
                .unwrap();
            assert!(o.status.success(), "ssh-keygen: {}", out(&o));
            let public = std::fs::read_to_string(key.with_extension("pub")).unwrap();
            let public: Vec<&str> = public.split_whitespace().take(2).collect();
            let _ = writeln!(
                lines,
                "{who} namespaces=\"flightdeck,git\" {}",
                public.join(" ")
            );
        }
        std::fs::write(example.join("allowed_signers"), lines).unwrap();
        Team { dir }
    }

    /// The team's dir (keys, pre-approvals): outside the example's tree.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// The private key of `who`.
    pub fn key(&self, who: &str) -> PathBuf {
        self.dir.path().join(who)
    }

    /// `flightdeck approve --pre` by `who` for `version` in `env`, step `step`, into this
    /// team's dir (outside the example's tree); the file's path.
    pub fn preapprove(&self, d: &Dir, who: &str, version: &str, env: &str, step: &str) -> PathBuf {
        use std::sync::atomic::{AtomicU32, Ordering};
        static N: AtomicU32 = AtomicU32::new(0);
        let file = self.dir.path().join(format!(
            "{who}-{env}-{version}-{}.sig",
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let key = self.key(who);
        let o = d
            .cmd(&[
                "approve",
                "--pre",
                "--release-version",
                version,
                "--env",
                env,
                step,
                "--reason",
                &format!("{who}: reviewed {version} for {env}"),
                "--key",
                key.to_str().unwrap(),
                "-o",
                file.to_str().unwrap(),
            ])
            .timeout(secs(30))
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(0), "approve --pre: {}", out(&o));
        file
    }

    /// An answers-file section listing pre-approvals of `step` by `who`, for `version` in `env`.
    pub fn signed(&self, d: &Dir, who: &[&str], version: &str, env: &str, step: &str) -> String {
        let files: Vec<String> = who
            .iter()
            .map(|w| {
                format!(
                    "{:?}",
                    self.preapprove(d, w, version, env, step)
                        .display()
                        .to_string()
                )
            })
            .collect();
        format!("\n[approvals.{step}]\nsigned = [{}]\n", files.join(", "))
    }
}

/// A bare repository served over the test sshd, added as `origin` of the example's repository.
pub struct Origin {
    pub sshd: Sshd,
    pub bare: PathBuf,
    _dir: tempfile::TempDir,
}

impl Origin {
    /// `None` after a skip (no sshd). Call after `git_init`.
    pub fn add(repo: &Path) -> Option<Origin> {
        let sshd = Sshd::start()?;
        let dir = tempfile::tempdir().unwrap();
        let bare = dir.path().join("origin.git");
        let (ok, text) = sh(
            dir.path(),
            &format!("git init -q --bare {}", bare.display()),
            &[],
            secs(30),
        );
        assert!(ok, "{text}");
        let (ok, text) = sh(
            repo,
            &format!("git remote add origin '{}'", sshd.url(&bare)),
            &[],
            secs(30),
        );
        assert!(ok, "{text}");
        Some(Origin {
            sshd,
            bare,
            _dir: dir,
        })
    }

    /// `GIT_SSH_COMMAND` for every run and `journal verify`.
    pub fn ssh_command(&self) -> String {
        self.sshd.git_ssh_command()
    }

    /// The object `refname` names on the remote, if it is there.
    pub fn has(&self, refname: &str) -> bool {
        let (ok, _) = sh(
            &self.bare,
            &format!("git rev-parse --verify -q '{refname}'"),
            &[],
            secs(30),
        );
        ok
    }
}

/// One webhook POST's JSON body.
pub type Post = serde_json::Value;

/// A webhook receiver on 127.0.0.1 (`crate::webhook`) that keeps every body it got.
pub struct Receiver {
    pub port: u16,
    hook: Hook,
    got: std::cell::RefCell<Vec<Post>>,
}

impl Receiver {
    pub fn start() -> Receiver {
        let hook = Hook::start();
        Receiver {
            port: hook.port,
            hook,
            got: std::cell::RefCell::new(Vec::new()),
        }
    }

    /// The URL for `RELEASE_WEBHOOK`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/flightdeck", self.port)
    }

    /// Every post so far, waiting up to 20 s for one whose `event` is `event` and whose
    /// `version` is `version`; the first such post.
    pub fn wait(&self, event: &str, version: &str) -> Post {
        self.wait_until(&format!("`{event}` for {version}"), |p| {
            p["event"] == event && p["version"] == version
        })
    }

    /// Like [`Receiver::wait`], for the release `release_id` (when one version was released
    /// more than once).
    pub fn wait_release(&self, event: &str, release_id: &serde_json::Value) -> Post {
        self.wait_until(&format!("`{event}` for {release_id}"), |p| {
            p["event"] == event && p["release_id"] == *release_id
        })
    }

    /// The first post `pick` accepts, waiting up to 20 s for it (`what` names it in the panic).
    pub fn wait_until(&self, what: &str, pick: impl Fn(&Post) -> bool) -> Post {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            self.got
                .borrow_mut()
                .extend(self.hook.rx.try_iter().map(|p| p.body));
            if let Some(p) = self.got.borrow().iter().find(|p| pick(p)) {
                return p.clone();
            }
            assert!(
                Instant::now() < deadline,
                "no {what} in 20 s; got: {:#?}",
                self.got.borrow()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}
