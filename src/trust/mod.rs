//! Signed approvals and seals (DESIGN.md §9): the canonical payloads, signing with the
//! operator's SSH key through `ssh-keygen -Y sign`, verifying against an OpenSSH
//! `allowed_signers` file, and the `plan`-time checks of a runbook's approvers against that file.
//!
//! This is the I/O side of trust (files, `ssh-keygen`, `ssh-agent`); the runbook's `[trust]`
//! fields are parsed statically in `crate::runbook`.

pub mod approval_file;
mod keygen;
mod keys;
mod payload;
pub mod preapproval;
mod sign;
mod signers;
mod validate;
mod verify;

pub use approval_file::ApprovalFile;
pub use keys::{KeyFile, fingerprint, fingerprint_of, key_file};
pub use payload::{Decision, Payload, PayloadError, SealPayload, sha256_hex, timestamp};
pub use sign::{sign, sign_with_agent};
pub use signers::{AllowedSigners, Entry, LineError, Principal};
pub use validate::{problems, validate};
pub use verify::{Verified, verify, verify_at};

/// The SSHSIG namespace of every flightdeck signature (`ssh-keygen -Y … -n flightdeck`), so a
/// signature made for git or anything else can never pass as an approval.
pub const NAMESPACE: &str = "flightdeck";

/// Why signing or verifying failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TrustError {
    /// The key file cannot be read or is not an SSH key.
    Key(String),
    /// The `allowed_signers` file cannot be read.
    Signers(String),
    /// `ssh-keygen` could not be run, failed, or timed out; what it said.
    Tool(String),
    /// The signature is not an armored SSHSIG made for the `flightdeck` namespace.
    Malformed(String),
    /// No principal of `allowed_signers` has the key that signed.
    NotAllowed { fingerprint: String },
    /// The key is an allowed signer's, but the signature does not verify over this payload for
    /// any of its principals: the payload was changed, the line's `namespaces` leave flightdeck
    /// out, or the key is outside its `valid-after`/`valid-before`. `detail` is ssh-keygen's.
    BadSignature {
        fingerprint: String,
        principals: Vec<String>,
        detail: String,
    },
}

impl std::fmt::Display for TrustError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TrustError::Key(m)
            | TrustError::Signers(m)
            | TrustError::Tool(m)
            | TrustError::Malformed(m) => f.write_str(m),
            TrustError::NotAllowed { fingerprint } => write!(
                f,
                "the key {fingerprint} is not an allowed signer (no principal in allowed_signers has it)"
            ),
            TrustError::BadSignature {
                fingerprint,
                principals,
                detail,
            } => write!(
                f,
                "signature by {} ({fingerprint}) does not verify over its payload: {detail}",
                principals.join(", ")
            ),
        }
    }
}

impl std::error::Error for TrustError {}
