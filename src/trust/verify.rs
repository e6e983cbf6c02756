//! Verifying a signed payload against an `allowed_signers` file.
//!
//! Why `ssh-keygen -Y find-principals` + `ssh-keygen -Y verify` and not the `ssh-key` crate's
//! in-process sshsig verification: the cryptography is the easy half; the other half is the
//! policy of `allowed_signers` — principal patterns and negation, `namespaces`,
//! `valid-after`/`valid-before` against the signing time, `cert-authority` lines (whose
//! signatures embed a certificate the crate's `SshSig` cannot carry) — and OpenSSH is that
//! format's reference. Verifying with the same program and the same two calls as git
//! (`gpg.format = ssh`) means an approval is accepted exactly when `git verify-commit` would
//! accept a commit signed by the same key, and no hand-written copy of that policy can drift
//! from it. `ssh-keygen` is needed on the host anyway (signing uses it), and a verification
//! costs two short processes. The `ssh-key` crate is still used, without its cryptography, to
//! read the key out of the signature (its fingerprint, for messages).

use std::ffi::OsString;
use std::path::Path;
use std::time::Duration;

use chrono::{DateTime, Utc};
use ssh_key::{Fingerprint, HashAlg, SshSig};

use super::signers::AllowedSigners;
use super::{NAMESPACE, TrustError, keygen};

const VERIFY_DEADLINE: Duration = Duration::from_secs(20);

/// A signature that verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// The first principal (in `allowed_signers` order) the signature verifies for.
    pub principal: String,
    /// Every principal it verifies for (a line may give a key several names).
    pub principals: Vec<String>,
    /// `SHA256:…` of the signing key.
    pub fingerprint: String,
}

/// Verify `signature` (an armored SSHSIG) over `payload` (its exact text), made for the
/// `flightdeck` namespace by a key that `allowed_signers` gives a principal, now.
pub fn verify(
    payload: &str,
    signature: &str,
    allowed_signers: &Path,
) -> Result<Verified, TrustError> {
    verify_at(payload, signature, allowed_signers, None)
}

/// Like [`verify`], with the `valid-after`/`valid-before` options of `allowed_signers` checked
/// at `at` (the time the payload says it was signed) instead of now.
pub fn verify_at(
    payload: &str,
    signature: &str,
    allowed_signers: &Path,
    at: Option<DateTime<Utc>>,
) -> Result<Verified, TrustError> {
    let key_fp = signature_key(signature)?;
    std::fs::metadata(allowed_signers).map_err(|e| {
        TrustError::Signers(format!(
            "cannot read allowed_signers {}: {e}",
            allowed_signers.display()
        ))
    })?;
    let work = tempfile::tempdir()
        .map_err(|e| TrustError::Tool(format!("cannot make a temporary directory: {e}")))?;
    let call = Call {
        sig: work.path().join("sig"),
        signers: allowed_signers,
        time: at.map(|t| format!("verify-time={}", t.format("%Y%m%d%H%M%SZ"))),
    };
    let msg_path = work.path().join("payload");
    for (p, text) in [(&call.sig, signature), (&msg_path, payload)] {
        std::fs::write(p, text)
            .map_err(|e| TrustError::Tool(format!("cannot write {}: {e}", p.display())))?;
    }
    let found = keygen::run(
        call.args(&["-Y", "find-principals"]),
        None,
        None,
        work.path(),
        VERIFY_DEADLINE,
    )?;
    let unknown = || "(unknown key)".to_owned();
    if !found.success {
        return Err(not_found(key_fp, allowed_signers, &found.said()));
    }
    let candidates: Vec<String> = found
        .stdout
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect();
    let mut verified = Vec::new();
    let mut fingerprint = key_fp;
    let mut detail = String::new();
    for principal in &candidates {
        let head = ["-Y", "verify", "-n", NAMESPACE, "-I", principal];
        let out = keygen::run(
            call.args(&head),
            Some(&msg_path),
            None,
            work.path(),
            VERIFY_DEADLINE,
        )?;
        if out.success {
            fingerprint = fingerprint.or_else(|| good_key(&out.stdout));
            verified.push(principal.clone());
        } else {
            detail = out.said();
        }
    }
    let fingerprint = fingerprint.unwrap_or_else(unknown);
    match verified.first() {
        Some(first) => Ok(Verified {
            principal: first.clone(),
            principals: verified.clone(),
            fingerprint,
        }),
        None => Err(TrustError::BadSignature {
            fingerprint,
            principals: candidates,
            detail,
        }),
    }
}

/// Why `find-principals` found nobody: the key is on no line (not allowed), or on lines whose
/// `valid-after`/`valid-before` exclude the time (a bad signature, with ssh-keygen's reason).
fn not_found(key_fp: Option<String>, allowed_signers: &Path, said: &str) -> TrustError {
    let fingerprint = key_fp.unwrap_or_else(|| "(unknown key)".to_owned());
    let principals: Vec<String> = AllowedSigners::read(allowed_signers)
        .map(|(signers, _)| {
            signers
                .entries
                .iter()
                .filter(|e| e.fingerprint() == fingerprint)
                .flat_map(|e| e.principals.clone())
                .collect()
        })
        .unwrap_or_default();
    if principals.is_empty() {
        return TrustError::NotAllowed { fingerprint };
    }
    TrustError::BadSignature {
        fingerprint,
        principals,
        detail: said.to_owned(),
    }
}

/// The arguments every `ssh-keygen -Y` call here shares.
struct Call<'a> {
    sig: std::path::PathBuf,
    signers: &'a Path,
    /// `verify-time=…`, when verifying at a given time.
    time: Option<String>,
}

impl Call<'_> {
    fn args(&self, head: &[&str]) -> Vec<OsString> {
        let mut args: Vec<OsString> = head.iter().map(OsString::from).collect();
        args.extend(["-s".into(), self.sig.clone().into_os_string()]);
        args.extend(["-f".into(), self.signers.as_os_str().to_owned()]);
        if let Some(t) = &self.time {
            args.extend(["-O".into(), t.into()]);
        }
        args
    }
}

/// `SHA256:…` of the key inside an armored SSHSIG; `None` for one this crate cannot read (a
/// certificate's), which ssh-keygen then judges alone.
fn signature_key(signature: &str) -> Result<Option<String>, TrustError> {
    match SshSig::from_pem(signature.trim()) {
        Ok(s) if s.namespace() != NAMESPACE => Err(TrustError::Malformed(format!(
            "the signature was made for namespace `{}`, not `{NAMESPACE}`",
            s.namespace()
        ))),
        Ok(s) => Ok(Some(
            Fingerprint::new(HashAlg::Sha256, s.public_key()).to_string(),
        )),
        Err(_)
            if signature
                .trim_start()
                .starts_with("-----BEGIN SSH SIGNATURE-----") =>
        {
            Ok(None)
        }
        Err(e) => Err(TrustError::Malformed(format!(
            "not an armored SSH signature: {e}"
        ))),
    }
}

/// The key of `Good "flightdeck" signature for P with ED25519 key SHA256:…`.
fn good_key(stdout: &str) -> Option<String> {
    stdout
        .split_whitespace()
        .find(|w| w.starts_with("SHA256:"))
        .map(str::to_owned)
}
