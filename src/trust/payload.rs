//! What gets signed (DESIGN.md §9.2): the canonical JSON of an approval, a pre-approval and a
//! seal, and the runbook's SHA-256 they are bound to.
//!
//! Canonical means RFC 8785 (JCS) for these field types: object keys sorted, no whitespace,
//! UTF-8, strings escaped as `serde_json` does (`"`, `\`, and control characters only, with
//! lowercase `\u00XX`), integers as plain digits. The structs declare their fields in sorted
//! order and `serde_json` writes them in declaration order, so `to_string` *is* the canonical
//! form; [`Payload::from_canonical`] refuses any text that does not round-trip byte for byte.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// An approver's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Decision {
    Approve,
    Reject,
}

/// The signed payload of an approval. For a release's approval, `release_id` and
/// `journal_head` are set and `expires` is not; for a pre-approval (headless runs), the reverse.
///
/// Fields are in sorted order: keep them so (a test checks).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Payload {
    pub decision: Decision,
    pub environment: String,
    /// Pre-approvals only: when it stops being valid (RFC 3339, seconds, `Z`).
    #[serde(default, skip_serializing_if = "Option::is_none", with = "opt_ts")]
    pub expires: Option<DateTime<Utc>>,
    /// The journal head's `last_hash` when the approver looked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub journal_head: Option<String>,
    /// The release name.
    pub name: String,
    /// Empty when no reason was given.
    pub reason: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub release_id: Option<String>,
    /// [`sha256_hex`] of the runbook file.
    pub runbook_sha256: String,
    pub step: String,
    /// When it was signed (RFC 3339, seconds, `Z`).
    #[serde(with = "ts")]
    pub ts: DateTime<Utc>,
    pub version: String,
}

/// What the operator signs at each seal point: the journal's length and last hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SealPayload {
    pub count: u64,
    pub last_hash: String,
    pub release_id: String,
}

/// Why a payload's text was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PayloadError(pub String);

impl std::fmt::Display for PayloadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for PayloadError {}

impl Payload {
    /// True for a pre-approval (bound to no release yet).
    pub fn is_pre_approval(&self) -> bool {
        self.release_id.is_none()
    }

    /// The canonical JSON text: what is signed and verified, byte for byte.
    pub fn canonical(&self) -> String {
        canonical(self)
    }

    /// Parse a signed payload, refusing text that is not exactly its own canonical form, and
    /// an approval that is neither a release's (`release_id` and `journal_head`, no `expires`)
    /// nor a pre-approval (`expires`, neither of the others).
    pub fn from_canonical(text: &str) -> Result<Self, PayloadError> {
        let p: Payload = from_canonical(text)?;
        let release = (
            p.release_id.is_some(),
            p.journal_head.is_some(),
            p.expires.is_some(),
        );
        if !matches!(release, (true, true, false) | (false, false, true)) {
            return Err(PayloadError(
                "an approval payload has `release_id` and `journal_head` (a release's) or `expires` (a pre-approval), not a mix".into(),
            ));
        }
        Ok(p)
    }
}

impl SealPayload {
    pub fn canonical(&self) -> String {
        canonical(self)
    }

    pub fn from_canonical(text: &str) -> Result<Self, PayloadError> {
        from_canonical(text)
    }
}

fn canonical<T: Serialize>(value: &T) -> String {
    // Plain structs of strings, integers and enums: serializing cannot fail.
    serde_json::to_string(value).unwrap_or_default()
}

fn from_canonical<T: Serialize + for<'de> Deserialize<'de>>(text: &str) -> Result<T, PayloadError> {
    let value: T = serde_json::from_str(text)
        .map_err(|e| PayloadError(format!("not a flightdeck payload: {e}")))?;
    if canonical(&value) != text {
        return Err(PayloadError(
            "the payload is not in canonical form (sorted keys, no whitespace, timestamps to the second)".into(),
        ));
    }
    Ok(value)
}

/// A timestamp as payloads write it: RFC 3339 in UTC, whole seconds, `Z`.
pub fn timestamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Lowercase hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

mod ts {
    use chrono::{DateTime, Utc};
    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    pub fn serialize<S: Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::timestamp(*t))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
        let text = String::deserialize(d)?;
        DateTime::parse_from_rfc3339(&text)
            .map(|t| t.with_timezone(&Utc))
            .map_err(D::Error::custom)
    }
}

mod opt_ts {
    use chrono::{DateTime, Utc};
    use serde::{Deserialize, Deserializer, Serializer};

    // serde's `with` hands `Option` fields to these as they are.
    #[allow(clippy::ref_option)]
    pub fn serialize<S: Serializer>(t: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
        match t {
            Some(t) => super::ts::serialize(t, s),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
        #[derive(Deserialize)]
        struct Wrap(#[serde(with = "super::ts")] DateTime<Utc>);
        Ok(Option::<Wrap>::deserialize(d)?.map(|Wrap(t)| t))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn approval() -> Payload {
        Payload {
            decision: Decision::Approve,
            environment: "production".into(),
            expires: None,
            journal_head: Some("ab12".into()),
            name: "backend".into(),
            reason: "CAB #42 \"ok\"\n\u{1}é".into(),
            release_id: Some("20261206-1".into()),
            runbook_sha256: sha256_hex(b"runbook"),
            step: "cab".into(),
            ts: at("2026-12-06T16:10:22.123Z"),
            version: "2.4.0".into(),
        }
    }

    #[test]
    fn approval_payload_is_sorted_compact_and_escaped_as_jcs() {
        let text = approval().canonical();
        let want = format!(
            "{}{}{}{}",
            r#"{"decision":"approve","environment":"production","journal_head":"ab12","#,
            r#""name":"backend","reason":"CAB #42 \"ok\"\n\u0001é","release_id":"20261206-1","#,
            format_args!(r#""runbook_sha256":"{}","#, sha256_hex(b"runbook")),
            r#""step":"cab","ts":"2026-12-06T16:10:22Z","version":"2.4.0"}"#
        );
        assert_eq!(text, want);
        // Keys in sorted order, whatever the struct says.
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
        let mut sorted = keys.clone();
        sorted.sort();
        let order: Vec<usize> = sorted
            .iter()
            .map(|k| text.find(&format!("\"{k}\":")).unwrap())
            .collect();
        assert!(order.is_sorted(), "keys out of order in {text}");
    }

    #[test]
    fn pre_approval_has_expires_and_no_release() {
        let mut p = approval();
        p.release_id = None;
        p.journal_head = None;
        p.expires = Some(at("2026-12-07T16:10:22Z"));
        let text = p.canonical();
        assert!(text.starts_with(r#"{"decision":"approve","environment":"production","expires":"2026-12-07T16:10:22Z","name""#), "{text}");
        assert!(!text.contains("release_id") && !text.contains("journal_head"));
        let back = Payload::from_canonical(&text).unwrap();
        assert!(back.is_pre_approval());
        assert_eq!(back.expires, p.expires);
    }

    #[test]
    fn only_canonical_text_parses() {
        let text = approval().canonical();
        let back = Payload::from_canonical(&text).unwrap();
        assert_eq!(back.canonical(), text);
        assert_eq!(back.ts, at("2026-12-06T16:10:22Z"));
        let spaced = text.replace(",\"name\"", ", \"name\"");
        assert!(Payload::from_canonical(&spaced).is_err());
        let millis = text.replace("16:10:22Z", "16:10:22.000Z");
        assert!(Payload::from_canonical(&millis).is_err());
        let extra = text.replace("{\"decision\"", "{\"admin\":true,\"decision\"");
        assert!(Payload::from_canonical(&extra).is_err());
        let mut mixed = approval();
        mixed.expires = Some(at("2026-12-07T00:00:00Z"));
        assert!(Payload::from_canonical(&mixed.canonical()).is_err());
    }

    #[test]
    fn seal_payload_round_trips() {
        let s = SealPayload {
            count: 41,
            last_hash: "cd34".into(),
            release_id: "r1".into(),
        };
        let text = s.canonical();
        assert_eq!(text, r#"{"count":41,"last_hash":"cd34","release_id":"r1"}"#);
        assert_eq!(SealPayload::from_canonical(&text).unwrap(), s);
    }
}
