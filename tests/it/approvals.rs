//! Signed approvals in a running release (DESIGN.md §9.2), with real keys and real processes:
//! `flightdeck approve` from the approvers' shells (one key held in an `ssh-agent`), the
//! release picking the files up from its inbox, separation of duties, N-of-M, a rejection, a
//! timeout, the cockpit in tmux, and an approver on a second Unix account.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use flightdeck::release::{Event, StepStatus, replay};

mod cockpit;
mod inbox;

use crate::run::{Dir, out};
use crate::skip::{self, Component};
use crate::tmux::bin;
use crate::trust::Keys;

/// alice operates; alice, bob and carol are approvers with keys; mallory has a key nobody
/// allowed. `cab` needs two approvals (`TIMEOUT` is replaced).
const RUNBOOK: &str = r#"[release]
name = "backend"
environment = "production"
version = "2.4.0"
SHARED

[trust]
allowed_signers = "allowed_signers"
signed_approvals = ["production"]

[[steps]]
id = "cab"
kind = "approval"
title = "Change advisory board"
approvers = ["alice", "bob", "carol"]
min_approvals = 2
TIMEOUT

[[steps]]
id = "deploy"
kind = "run"
run = "echo deployed"
"#;

/// A runbook directory with the team's keys (bob's in an agent when `agent`).
pub(super) struct Team {
    pub(super) d: Dir,
    pub(super) keys: Keys,
    pub(super) agent: Option<Agent>,
}

impl Team {
    pub(super) fn new(timeout: Option<&str>, shared_group: Option<&str>) -> Team {
        let runbook = RUNBOOK
            .replace(
                "TIMEOUT",
                &timeout
                    .map(|t| format!("timeout = \"{t}\""))
                    .unwrap_or_default(),
            )
            .replace(
                "SHARED",
                &shared_group
                    .map(|g| format!("shared_group = \"{g}\""))
                    .unwrap_or_default(),
            );
        let d = Dir::new(&runbook);
        let keys = Keys::new();
        for k in ["alice", "bob", "carol", "mallory"] {
            keys.key(k, "");
        }
        let lines: Vec<String> = ["alice", "bob", "carol"]
            .iter()
            .map(|k| format!("{k} {}", keys.public(k)))
            .collect();
        d.write("allowed_signers", &(lines.join("\n") + "\n"));
        // Production needs an answers file headless; the approvals come signed, not from it.
        d.write(
            "answers.toml",
            "# approvals come signed through the inbox\n",
        );
        Team {
            d,
            keys,
            agent: None,
        }
    }

    /// Hold bob's private key in an agent: bob then signs with `bob.pub` through it.
    pub(super) fn bob_in_agent(&mut self) {
        let a = Agent::start();
        a.add(&self.keys.path("bob"));
        self.agent = Some(a);
    }

    pub(super) fn key(&self, name: &str) -> String {
        self.keys.path(name).display().to_string()
    }

    /// `flightdeck approve ARGS` as `name` (with `--key`; bob's is the agent's `.pub`).
    pub(super) fn approve(&self, name: &str, args: &[&str]) -> (Option<i32>, String) {
        let key = if name == "bob" && self.agent.is_some() {
            format!("{}.pub", self.key("bob"))
        } else {
            self.key(name)
        };
        let mut c = self.d.cmd(&["approve", "--key", &key]);
        c.args(args)
            .env("RUST_BACKTRACE", "0")
            .env_remove("FLIGHTDECK_KEY");
        match &self.agent {
            Some(a) => c.env("SSH_AUTH_SOCK", &a.sock),
            None => c.env_remove("SSH_AUTH_SOCK"),
        };
        let o = c.output().expect("approve runs");
        (o.status.code(), out(&o))
    }

    /// `run --plain` by alice with her key, in the background, its output in `run.out`.
    pub(super) fn run_plain(&self) -> Child {
        let log = std::fs::File::create(self.d.path().join("run.out")).expect("log");
        Command::new(bin())
            .current_dir(self.d.path())
            .args([
                "run",
                "--plain",
                "--answers",
                "answers.toml",
                "--operator",
                "alice",
                "--key",
            ])
            .arg(self.keys.path("alice"))
            .env_remove("FLIGHTDECK_JOURNAL_KEY")
            .env_remove("SUDO_USER")
            .env_remove("SSH_AUTH_SOCK")
            .stdin(Stdio::null())
            .stderr(log.try_clone().expect("dup"))
            .stdout(log)
            .spawn()
            .expect("run starts")
    }

    pub(super) fn journal(&self) -> String {
        self.d
            .state()
            .resolve("latest")
            .ok()
            .and_then(|p| std::fs::read_to_string(p).ok())
            .unwrap_or_default()
    }

    /// Wait (10 s) until the journal contains `text`.
    pub(super) fn wait_journal(&self, text: &str) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while !self.journal().contains(text) {
            assert!(
                Instant::now() < deadline,
                "the journal never had {text:?}:\n{}\nrun output:\n{}",
                self.journal(),
                std::fs::read_to_string(self.d.path().join("run.out")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The signed approval records of the latest release.
    pub(super) fn approvals(&self) -> Vec<Event> {
        let (records, _) = self.d.latest();
        records
            .iter()
            .filter_map(|r| replay::event_of(r).ok())
            .map(|(e, _)| e)
            .filter(|e| matches!(e, Event::Approval { .. }))
            .collect()
    }
}

/// An `ssh-agent -D` on a socket in a temporary directory; killed on drop.
pub(super) struct Agent {
    child: Child,
    sock: PathBuf,
    _dir: tempfile::TempDir,
}

impl Agent {
    fn start() -> Agent {
        let dir = tempfile::tempdir().expect("tempdir");
        let sock = dir.path().join("agent.sock");
        let child = Command::new("ssh-agent")
            .arg("-D")
            .arg("-a")
            .arg(&sock)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .spawn()
            .expect("ssh-agent runs");
        let start = Instant::now();
        while !sock.exists() {
            assert!(start.elapsed() < Duration::from_secs(10), "agent socket");
            std::thread::sleep(Duration::from_millis(20));
        }
        Agent {
            child,
            sock,
            _dir: dir,
        }
    }

    fn add(&self, key: &Path) {
        let o = Command::new("ssh-add")
            .arg(key)
            .env("SSH_AUTH_SOCK", &self.sock)
            .stdin(Stdio::null())
            .output()
            .expect("ssh-add runs");
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
}

impl Drop for Agent {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(super) fn wait_exit(child: &mut Child, secs: u64) -> Option<i32> {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        if let Some(s) = child.try_wait().expect("wait") {
            return s.code();
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("the release did not end in {secs} s");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

pub(super) fn signed_by(events: &[Event]) -> Vec<(String, String, String)> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Approval {
                name,
                source,
                decision,
                signature: Some(sig),
                payload: Some(p),
                key: Some(k),
                ..
            } => {
                assert!(sig.starts_with("-----BEGIN SSH SIGNATURE-----"), "{sig}");
                assert!(p.contains("\"step\":\"cab\""), "{p}");
                assert!(k.starts_with("SHA256:"), "{k}");
                Some((
                    name.clone(),
                    source.clone(),
                    decision.clone().unwrap_or_default(),
                ))
            }
            _ => None,
        })
        .collect()
}

#[test]
fn two_signed_approvals_open_the_step_headless_and_the_operator_and_strangers_are_refused() {
    if !skip::need(Component::OpenSsh) {
        return;
    }
    let mut t = Team::new(None, None);
    t.bob_in_agent();
    // Nothing runs yet: nobody waits on `cab`.
    let (code, text) = t.approve("bob", &["cab", "--yes"]);
    assert_eq!(code, Some(4), "{text}");
    assert!(
        text.contains("no release of `backend` is running"),
        "{text}"
    );

    // An operator key that cannot be read stops the run before anything is journaled.
    let o =
        t.d.cmd(&[
            "run",
            "--plain",
            "--answers",
            "answers.toml",
            "--key",
            "missing",
        ])
        .env("RUST_BACKTRACE", "0")
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(1), "{}", out(&o));
    assert!(
        out(&o).contains("--key / FLIGHTDECK_KEY missing: cannot read the key"),
        "{}",
        out(&o)
    );
    assert!(t.d.state().resolve("latest").is_err(), "no journal");

    let mut run = t.run_plain();
    t.wait_journal("\"kind\":\"step-started\",\"step\":\"cab\"");
    let (code, text) = t.approve("alice", &["cab", "--yes"]);
    assert_eq!(code, Some(4), "{text}");
    assert!(
        text.contains("is the operator of release backend-2.4.0-"),
        "{text}"
    );
    assert!(
        text.contains("an operator never approves their own release"),
        "{text}"
    );
    let (code, text) = t.approve("mallory", &["cab", "--yes"]);
    assert_eq!(code, Some(4), "{text}");
    assert!(text.contains("is not an allowed signer"), "{text}");
    let (code, text) = t.approve("carol", &["deploy", "--yes"]);
    assert_eq!(code, Some(4), "{text}");
    assert!(text.contains("does not wait on step `deploy`"), "{text}");
    let (code, text) = t.approve("carol", &["cab", "--reject", "--yes"]);
    assert_eq!(code, Some(2), "{text}");
    assert!(text.contains("--reject needs --reason"), "{text}");

    // bob signs through the agent with his public key file.
    let (code, text) = t.approve("bob", &["cab", "--yes", "--reason", "CAB-77"]);
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("recorded: 1/2 approvals"), "{text}");
    assert!(text.contains("signed by    bob (SHA256:"), "{text}");
    let (code, text) = t.approve("bob", &["cab", "--yes"]);
    assert_eq!(code, Some(4), "{text}");
    assert!(text.contains("`bob` already approved `cab`"), "{text}");
    assert!(
        run.try_wait().expect("wait").is_none(),
        "1/2: still waiting"
    );

    let (code, text) = t.approve("carol", &["cab", "--yes"]);
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("recorded: 2/2 approvals"), "{text}");
    assert_eq!(wait_exit(&mut run, 20), Some(0));
    let plain = std::fs::read_to_string(t.d.path().join("run.out")).expect("run.out");
    assert!(
        plain.contains("step `cab`: waiting: 0/2 approvals (alice: operator, cannot approve) · flightdeck approve cab"),
        "{plain}"
    );
    assert!(plain.contains("cab approved by bob (SHA256:"), "{plain}");
    assert!(
        plain.contains(") ✔ signature verified: CAB-77\n")
            && plain.contains(
                "step `cab`: waiting: 1/2 approvals (bob ✔ · alice: operator, cannot approve)"
            ),
        "{plain}"
    );
    let signed = signed_by(&t.approvals());
    assert_eq!(
        signed,
        [
            ("bob".into(), "signed".into(), "approve".into()),
            ("carol".into(), "signed".into(), "approve".into())
        ]
    );
    let (_, st) = t.d.latest();
    assert_eq!(st.steps[0].status, StepStatus::Succeeded);
    assert_eq!(st.steps[1].status, StepStatus::Succeeded);
    t.d.verify_latest();
    // The inbox is empty: both files were removed once recorded.
    let inbox = t.d.state().root.join("inbox");
    let left: Vec<_> = std::fs::read_dir(&inbox)
        .expect("inbox")
        .filter_map(Result::ok)
        .filter(|e| e.path().is_file())
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn a_rejection_fails_the_step_with_its_reason() {
    if !skip::need(Component::OpenSsh) {
        return;
    }
    let t = Team::new(None, None);
    let mut run = t.run_plain();
    t.wait_journal("\"kind\":\"step-started\",\"step\":\"cab\"");
    let (code, text) = t.approve(
        "carol",
        &[
            "cab",
            "--reject",
            "--reason",
            "the migration is not reviewed",
            "--yes",
        ],
    );
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("recorded: rejection of `cab`"), "{text}");
    assert_eq!(wait_exit(&mut run, 20), Some(1));
    let (_, st) = t.d.latest();
    assert_eq!(
        st.steps[0].status,
        StepStatus::Failed("rejected by carol: the migration is not reviewed".into())
    );
    assert_eq!(st.steps[1].status, StepStatus::Pending);
    assert_eq!(
        signed_by(&t.approvals()),
        [("carol".into(), "signed".into(), "reject".into())]
    );
}

/// The step fails when its `timeout` passes with too few approvals. (Counting approvals before
/// the timeout is the core's test, with a fake clock; here nothing races a real clock.)
#[test]
fn the_timeout_fails_a_waiting_approval() {
    if !skip::need(Component::OpenSsh) {
        return;
    }
    let t = Team::new(Some("2s"), None);
    let mut run = t.run_plain();
    t.wait_journal("\"kind\":\"step-started\",\"step\":\"cab\"");
    assert_eq!(wait_exit(&mut run, 20), Some(1));
    let (_, st) = t.d.latest();
    assert_eq!(
        st.steps[0].status,
        StepStatus::Failed("approval timed out after 2s (0/2 approvals)".into())
    );
    assert_eq!(st.steps[1].status, StepStatus::Pending);
    // Too late: nobody waits on `cab` any more.
    let (code, text) = t.approve("bob", &["cab", "--yes"]);
    assert_eq!(code, Some(4), "{text}");
}
