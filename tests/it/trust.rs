//! Signing and verifying with real keys (DESIGN.md §9.2): ed25519 keys made by `ssh-keygen` in
//! temporary directories, an `ssh-agent` started by the test, sign → verify round trips, and
//! every way a signature must fail.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::skip::{self, Component};
use chrono::{DateTime, Utc};
use flightdeck::trust::{
    self, Decision, KeyFile, Payload, TrustError, fingerprint, key_file, sign, sign_with_agent,
    verify, verify_at,
};

/// Keys and an `allowed_signers` file in one temporary directory.
pub struct Keys {
    pub dir: tempfile::TempDir,
}

impl Keys {
    pub fn new() -> Keys {
        Keys {
            dir: tempfile::tempdir().expect("tempdir"),
        }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// A new ed25519 key `name` (and `name.pub`), with `passphrase` ("" for none).
    pub fn key(&self, name: &str, passphrase: &str) -> PathBuf {
        let path = self.path(name);
        let ok = Command::new("ssh-keygen")
            .args(["-q", "-t", "ed25519", "-N", passphrase, "-C", name, "-f"])
            .arg(&path)
            .stdin(Stdio::null())
            .status()
            .expect("ssh-keygen runs")
            .success();
        assert!(ok, "ssh-keygen made {name}");
        path
    }

    /// `keytype base64` of `name.pub`.
    pub fn public(&self, name: &str) -> String {
        let text = std::fs::read_to_string(self.path(&format!("{name}.pub"))).expect("a .pub");
        text.split_whitespace()
            .take(2)
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Write `lines` as the file `name`.
    pub fn write(&self, name: &str, lines: &[String]) -> PathBuf {
        let path = self.path(name);
        std::fs::write(&path, lines.join("\n") + "\n").expect("write");
        path
    }
}

/// An `ssh-agent -D` of our own on a socket in a temporary directory; killed on drop.
struct Agent {
    child: Child,
    sock: PathBuf,
    dir: tempfile::TempDir,
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
        Agent { child, sock, dir }
    }

    /// `ssh-add KEY`, typing `passphrase` through an askpass script.
    fn add(&self, key: &Path, passphrase: &str) {
        let askpass = self.dir.path().join("askpass.sh");
        std::fs::write(&askpass, format!("#!/bin/sh\necho '{passphrase}'\n")).expect("write");
        let mode = std::os::unix::fs::PermissionsExt::from_mode(0o700);
        std::fs::set_permissions(&askpass, mode).expect("chmod");
        let out = Command::new("ssh-add")
            .arg(key)
            .env("SSH_AUTH_SOCK", &self.sock)
            .env("SSH_ASKPASS", &askpass)
            .env("SSH_ASKPASS_REQUIRE", "force")
            .stdin(Stdio::null())
            .output()
            .expect("ssh-add runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

impl Drop for Agent {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .expect("an RFC 3339 time")
        .with_timezone(&Utc)
}

fn payload() -> String {
    Payload {
        decision: Decision::Approve,
        environment: "production".into(),
        expires: None,
        journal_head: Some("9f2c".into()),
        name: "backend".into(),
        reason: "CAB #42".into(),
        release_id: Some("20261206T161022-backend".into()),
        runbook_sha256: trust::sha256_hex(b"[release]\n"),
        step: "cab".into(),
        ts: at("2026-12-06T16:10:22Z"),
        version: "2.4.0".into(),
    }
    .canonical()
}

/// `SHA256:…` as `ssh-keygen -l` prints it.
fn keygen_fingerprint(public: &Path) -> String {
    let out = Command::new("ssh-keygen")
        .arg("-lf")
        .arg(public)
        .output()
        .expect("ssh-keygen -l runs");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    text.split_whitespace()
        .nth(1)
        .expect("a fingerprint")
        .to_owned()
}

#[test]
fn a_signed_payload_verifies_for_both_principals_of_its_key() {
    if !skip::need(Component::OpenSsh) {
        return;
    }
    let k = Keys::new();
    let alice = k.key("alice", "");
    let signers = k.write(
        "allowed_signers",
        &[
            "# the team".to_owned(),
            format!("alice,alice@example.com {} alice@laptop", k.public("alice")),
        ],
    );
    let text = payload();
    let sig = sign(&text, &alice).unwrap();
    assert!(sig.starts_with("-----BEGIN SSH SIGNATURE-----"), "{sig}");
    let v = verify(&text, &sig, &signers).unwrap();
    assert_eq!(v.principal, "alice");
    assert_eq!(v.principals, ["alice", "alice@example.com"]);
    let fp = keygen_fingerprint(&k.path("alice.pub"));
    assert!(fp.starts_with("SHA256:"), "{fp}");
    assert_eq!(v.fingerprint, fp);
    assert_eq!(
        fingerprint(&alice).unwrap(),
        fp,
        "from the private key file"
    );
    assert_eq!(fingerprint(&k.path("alice.pub")).unwrap(), fp);
    assert_eq!(trust::fingerprint_of(&k.public("alice")).unwrap(), fp);
    assert!(matches!(
        key_file(&alice).unwrap(),
        KeyFile::Private(Some(_))
    ));
    assert!(matches!(
        sign(&text, &k.path("nope")),
        Err(TrustError::Key(_))
    ));
    assert!(matches!(sign(&text, &signers), Err(TrustError::Key(_))));
    assert!(matches!(
        key_file(&k.path("alice.pub")).unwrap(),
        KeyFile::Public(_)
    ));
}

#[test]
fn a_tampered_payload_and_a_stranger_s_key_fail() {
    if !skip::need(Component::OpenSsh) {
        return;
    }
    let k = Keys::new();
    let alice = k.key("alice", "");
    let eve = k.key("eve", "");
    let signers = k.write("allowed_signers", &[format!("alice {}", k.public("alice"))]);
    let text = payload();
    let sig = sign(&text, &alice).unwrap();
    let tampered = text.replace("\"approve\"", "\"reject\"");
    assert_ne!(tampered, text);
    match verify(&tampered, &sig, &signers) {
        Err(TrustError::BadSignature {
            principals, detail, ..
        }) => {
            assert_eq!(principals, ["alice"]);
            assert!(!detail.is_empty());
        }
        other => panic!("a tampered payload: {other:?}"),
    }
    let by_eve = sign(&text, &eve).unwrap();
    let eve_fp = keygen_fingerprint(&k.path("eve.pub"));
    assert_eq!(
        verify(&text, &by_eve, &signers),
        Err(TrustError::NotAllowed {
            fingerprint: eve_fp.clone()
        })
    );
    let e = verify(&text, &by_eve, &signers).unwrap_err().to_string();
    assert!(
        e.contains(&eve_fp) && e.contains("not an allowed signer"),
        "{e}"
    );
    assert!(matches!(
        verify(&text, "not a signature", &signers),
        Err(TrustError::Malformed(_))
    ));
    assert!(matches!(
        verify(&text, &sig, &k.path("missing")),
        Err(TrustError::Signers(_))
    ));
}

#[test]
fn the_namespaces_option_and_the_signature_namespace_are_honoured() {
    if !skip::need(Component::OpenSsh) {
        return;
    }
    let k = Keys::new();
    let bob = k.key("bob", "");
    let git_only = k.write(
        "git_only",
        &[format!("bob namespaces=\"git\" {}", k.public("bob"))],
    );
    let both = k.write(
        "both",
        &[format!(
            "bob namespaces=\"git,flightdeck\",valid-after=\"20200101\" {}",
            k.public("bob")
        )],
    );
    let text = payload();
    let sig = sign(&text, &bob).unwrap();
    match verify(&text, &sig, &git_only) {
        Err(TrustError::BadSignature { detail, .. }) => {
            assert!(detail.contains("namespace"), "{detail}");
        }
        other => panic!("bob may sign for git only: {other:?}"),
    }
    assert_eq!(verify(&text, &sig, &both).unwrap().principal, "bob");
    // A signature bob made for git does not pass as an approval.
    let msg = k.path("msg");
    std::fs::write(&msg, &text).unwrap();
    let ok = Command::new("ssh-keygen")
        .args(["-q", "-Y", "sign", "-n", "git", "-f"])
        .arg(&bob)
        .arg(&msg)
        .stdin(Stdio::null())
        .status()
        .unwrap()
        .success();
    assert!(ok);
    let git_sig = std::fs::read_to_string(k.path("msg.sig")).unwrap();
    match verify(&text, &git_sig, &both) {
        Err(TrustError::Malformed(m)) => assert!(m.contains("`git`"), "{m}"),
        other => panic!("a git signature: {other:?}"),
    }
}

#[test]
fn valid_before_is_checked_at_the_signing_time() {
    if !skip::need(Component::OpenSsh) {
        return;
    }
    let k = Keys::new();
    let alice = k.key("alice", "");
    let signers = k.write(
        "allowed_signers",
        &[format!(
            "alice valid-before=\"20250101Z\" {}",
            k.public("alice")
        )],
    );
    let text = payload();
    let sig = sign(&text, &alice).unwrap();
    match verify(&text, &sig, &signers) {
        Err(TrustError::BadSignature {
            principals, detail, ..
        }) => {
            assert_eq!(principals, ["alice"]);
            assert!(detail.contains("expired"), "{detail}");
        }
        other => panic!("an expired key: {other:?}"),
    }
    let then = verify_at(&text, &sig, &signers, Some(at("2024-06-01T00:00:00Z"))).unwrap();
    assert_eq!(then.principal, "alice");
}

#[test]
fn the_agent_signs_for_a_public_key_and_a_passphrase_key_never_prompts() {
    if !skip::need(Component::OpenSsh) {
        return;
    }
    let k = Keys::new();
    let dana = k.key("dana", "");
    let carol = k.key("carol", "s3cret");
    let signers = k.write(
        "allowed_signers",
        &[
            format!("dana {}", k.public("dana")),
            format!("carol {}", k.public("carol")),
        ],
    );
    let agent = Agent::start();
    let empty = Agent::start();
    agent.add(&dana, "");
    // Only the public half is left on disk: the signature can only come from the agent (-U).
    std::fs::remove_file(&dana).unwrap();
    let text = payload();
    let dana_pub = k.path("dana.pub");
    let sig = sign_with_agent(&text, &dana_pub, Some(&agent.sock)).unwrap();
    assert_eq!(verify(&text, &sig, &signers).unwrap().principal, "dana");
    match sign_with_agent(&text, &dana_pub, Some(&empty.sock)) {
        Err(TrustError::Tool(m)) => assert!(m.contains("ssh-agent"), "{m}"),
        other => panic!("not in that agent: {other:?}"),
    }

    // A passphrase key outside the agent fails at once instead of prompting.
    let start = Instant::now();
    match sign_with_agent(&text, &carol, Some(&empty.sock)) {
        Err(TrustError::Tool(m)) => assert!(m.contains("ssh-add"), "{m}"),
        other => panic!("a passphrase key: {other:?}"),
    }
    assert!(start.elapsed() < Duration::from_secs(10));
    // In the agent, the same private key path signs.
    agent.add(&carol, "s3cret");
    let sig = sign_with_agent(&text, &carol, Some(&agent.sock)).unwrap();
    assert_eq!(verify(&text, &sig, &signers).unwrap().principal, "carol");
}
