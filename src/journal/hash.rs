//! Chain hashes: plain SHA-256, or HMAC-SHA256 when `FLIGHTDECK_JOURNAL_KEY` is set.

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// Environment variable holding the journal HMAC key.
pub const KEY_ENV: &str = "FLIGHTDECK_JOURNAL_KEY";

/// Computes the lowercase hex hashes that chain journal lines together.
#[derive(Clone, Default)]
pub struct Hasher {
    key: Option<Vec<u8>>,
}

impl std::fmt::Debug for Hasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the key.
        f.debug_struct("Hasher")
            .field("keyed", &self.is_keyed())
            .finish()
    }
}

impl Hasher {
    /// Plain SHA-256.
    pub fn plain() -> Self {
        Self { key: None }
    }

    /// HMAC-SHA256 under `key`.
    pub fn with_key(key: impl Into<Vec<u8>>) -> Self {
        Self {
            key: Some(key.into()),
        }
    }

    /// HMAC when `FLIGHTDECK_JOURNAL_KEY` is set and not empty, plain SHA-256 otherwise.
    pub fn from_env() -> Self {
        match std::env::var_os(KEY_ENV) {
            Some(key) if !key.is_empty() => Self::with_key(key.into_encoded_bytes()),
            _ => Self::plain(),
        }
    }

    /// Whether hashes are keyed (HMAC).
    pub fn is_keyed(&self) -> bool {
        self.key.is_some()
    }

    /// Lowercase hex hash of `bytes`.
    pub fn hash(&self, bytes: &[u8]) -> String {
        match &self.key {
            None => hex::encode(Sha256::digest(bytes)),
            Some(key) => {
                match <Hmac<Sha256> as Mac>::new_from_slice(key) {
                    Ok(mut mac) => {
                        mac.update(bytes);
                        hex::encode(mac.finalize().into_bytes())
                    }
                    // HMAC hashes over-long keys and pads short ones: any length is valid.
                    Err(_) => unreachable!("HMAC-SHA256 accepts keys of any length"),
                }
            }
        }
    }

    /// The `prev` of a journal's first record: the hash of the release id.
    pub fn genesis(&self, release_id: &str) -> String {
        self.hash(release_id.as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_is_sha256_hex() {
        assert_eq!(
            Hasher::plain().hash(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn keyed_is_hmac_sha256_hex() {
        // RFC 4231 test case 2.
        assert_eq!(
            Hasher::with_key("Jefe").hash(b"what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn key_changes_every_hash_and_is_not_printed() {
        let keyed = Hasher::with_key("secret");
        assert_ne!(keyed.hash(b"x"), Hasher::plain().hash(b"x"));
        assert_eq!(keyed.genesis("rel"), keyed.hash(b"rel"));
        assert!(!format!("{keyed:?}").contains("secret"));
        assert!(keyed.is_keyed() && !Hasher::plain().is_keyed());
    }
}
