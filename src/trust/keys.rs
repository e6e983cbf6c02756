//! The operator's key as `--key` / `FLIGHTDECK_KEY` names it: a private key file, or a public
//! key whose private half is in `ssh-agent`; and SHA-256 fingerprints (`SHA256:…`, as
//! `ssh-keygen -l` prints them).

use std::path::Path;

use ssh_key::{HashAlg, PrivateKey, PublicKey};

use super::TrustError;

/// What a key path holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyFile {
    /// An OpenSSH public key (`ssh-ed25519 AAAA… comment`): signing goes through `ssh-agent`.
    Public(PublicKey),
    /// Anything else is taken as a private key, for `ssh-keygen` to load (and to find in the
    /// agent first when it is there); its public half when the file shows it (OpenSSH format
    /// keeps it in clear even when the key has a passphrase).
    Private(Option<PublicKey>),
}

/// Read `path` and tell a public key from a private one.
pub fn key_file(path: &Path) -> Result<KeyFile, TrustError> {
    let bytes = std::fs::read(path)
        .map_err(|e| TrustError::Key(format!("cannot read the key {}: {e}", path.display())))?;
    let text = String::from_utf8_lossy(&bytes);
    if let Ok(k) = PublicKey::from_openssh(text.trim()) {
        return Ok(KeyFile::Public(k));
    }
    if !text.contains("PRIVATE KEY") {
        return Err(TrustError::Key(format!(
            "{} is neither an OpenSSH public key nor a private key file",
            path.display()
        )));
    }
    let public = PrivateKey::from_openssh(text.trim())
        .ok()
        .map(|k| k.public_key().clone());
    Ok(KeyFile::Private(public))
}

/// `SHA256:…` of the key at `path` (public, or private with its public half readable, else
/// the `.pub` beside it).
pub fn fingerprint(path: &Path) -> Result<String, TrustError> {
    let public = match key_file(path)? {
        KeyFile::Public(k) | KeyFile::Private(Some(k)) => k,
        KeyFile::Private(None) => {
            let mut pub_path = path.as_os_str().to_owned();
            pub_path.push(".pub");
            match key_file(Path::new(&pub_path))? {
                KeyFile::Public(k) => k,
                KeyFile::Private(_) => {
                    return Err(TrustError::Key(format!(
                        "cannot tell the public half of {}",
                        path.display()
                    )));
                }
            }
        }
    };
    Ok(public.fingerprint(HashAlg::Sha256).to_string())
}

/// `SHA256:…` of a public key line (`keytype base64 [comment]`).
pub fn fingerprint_of(public_key: &str) -> Result<String, TrustError> {
    let k = PublicKey::from_openssh(public_key.trim())
        .map_err(|e| TrustError::Key(format!("not an OpenSSH public key: {e}")))?;
    Ok(k.fingerprint(HashAlg::Sha256).to_string())
}
