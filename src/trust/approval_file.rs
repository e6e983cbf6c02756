//! The file a signed approval travels in (DESIGN.md §9.2): what `flightdeck approve` drops into
//! the state dir's `inbox/`, and what `approve --pre -o FILE` writes for an answers file.
//!
//! One JSON object, pretty-printed for people, with the exact signed text kept as a string:
//!
//! ```json
//! {
//!   "format": "flightdeck-approval/1",
//!   "payload": "{\"decision\":\"approve\",…}",
//!   "signature": "-----BEGIN SSH SIGNATURE-----\n…\n-----END SSH SIGNATURE-----\n"
//! }
//! ```
//!
//! `payload` is the canonical JSON of [`Payload`] byte for byte (the signature is over those
//! bytes, so it is never re-serialized); `signature` the armored SSHSIG. Reading checks the
//! format tag and that the payload is canonical; it does not verify the signature (that is
//! [`super::verify`]'s job, with the `allowed_signers` of the runbook).

use std::io::Write as _;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::payload::Payload;

/// The `format` tag of version 1 of this file.
pub const FORMAT: &str = "flightdeck-approval/1";

/// A signed approval as a file holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApprovalFile {
    pub format: String,
    /// The canonical payload text, exactly as signed.
    pub payload: String,
    /// The armored SSHSIG over `payload`.
    pub signature: String,
}

impl ApprovalFile {
    pub fn new(payload: &Payload, signature: String) -> Self {
        Self {
            format: FORMAT.to_owned(),
            payload: payload.canonical(),
            signature,
        }
    }

    /// The JSON text of the file.
    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).unwrap_or_default();
        text.push('\n');
        text
    }

    /// Parse the file's text: the format tag, and a canonical payload (returned parsed).
    pub fn parse(text: &str) -> Result<(Self, Payload), String> {
        let file: ApprovalFile = serde_json::from_str(text)
            .map_err(|e| format!("not a flightdeck approval file: {e}"))?;
        if file.format != FORMAT {
            return Err(format!(
                "unknown approval file format `{}` (this flightdeck reads `{FORMAT}`)",
                file.format
            ));
        }
        let payload = Payload::from_canonical(&file.payload).map_err(|e| e.to_string())?;
        Ok((file, payload))
    }
}

/// Read and parse the approval file at `path`; errors name the file.
pub fn read(path: &Path) -> Result<(ApprovalFile, Payload), String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    ApprovalFile::parse(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// Write `file` to `path` atomically: a hidden temporary file in the same directory (readers
/// skip names starting with `.`), fsynced, given `mode`, then renamed over `path`.
pub fn write(path: &Path, file: &ApprovalFile, mode: u32) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut tmp = tempfile::Builder::new()
        .prefix(".approval-")
        .suffix(".tmp")
        .tempfile_in(dir)?;
    tmp.write_all(file.to_json().as_bytes())?;
    tmp.as_file().sync_all()?;
    tmp.as_file()
        .set_permissions(std::fs::Permissions::from_mode(mode))?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// A file name for an approval dropped into an inbox: `<step>.<principal>.<unix-ms>.json`,
/// with anything but letters, digits, `-` and `_` replaced, so it never starts with `.`.
pub fn inbox_name(step: &str, principal: &str, unix_ms: i64) -> PathBuf {
    let clean = |s: &str| -> String {
        s.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                    c
                } else {
                    '_'
                }
            })
            .collect()
    };
    PathBuf::from(format!(
        "{}.{}.{unix_ms}.json",
        clean(step),
        clean(principal)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trust::{Decision, sha256_hex};

    fn payload() -> Payload {
        Payload {
            decision: Decision::Approve,
            environment: "production".into(),
            expires: None,
            journal_head: Some("ab12".into()),
            name: "backend".into(),
            reason: "CAB #42".into(),
            release_id: Some("backend-2.4.0-20261206T161022Z".into()),
            runbook_sha256: sha256_hex(b"runbook"),
            step: "cab".into(),
            ts: chrono::DateTime::parse_from_rfc3339("2026-12-06T16:10:22Z")
                .unwrap()
                .with_timezone(&chrono::Utc),
            version: "2.4.0".into(),
        }
    }

    #[test]
    fn written_file_reads_back_with_the_exact_payload() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        let file = ApprovalFile::new(&payload(), "-----BEGIN SSH SIGNATURE-----\nx\n".into());
        let path = dir.path().join(inbox_name("cab", "bob", 1));
        write(&path, &file, 0o640).unwrap();
        let (back, p) = read(&path).unwrap();
        assert_eq!(back, file);
        assert_eq!(back.payload, payload().canonical());
        assert_eq!(p, payload());
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o640);
        // Only the final file is left: no temporary beside it.
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(names.len(), 1);
    }

    #[test]
    fn bad_files_say_what_is_wrong() {
        let file = ApprovalFile::new(&payload(), "sig".into());
        let mut other = file.clone();
        other.format = "flightdeck-approval/9".into();
        assert!(
            ApprovalFile::parse(&other.to_json())
                .unwrap_err()
                .contains("unknown approval file format")
        );
        let mut spaced = file.clone();
        spaced.payload = spaced.payload.replace(",\"name\"", ", \"name\"");
        assert!(
            ApprovalFile::parse(&spaced.to_json())
                .unwrap_err()
                .contains("canonical")
        );
        assert!(
            ApprovalFile::parse("{}")
                .unwrap_err()
                .contains("not a flightdeck approval file")
        );
        let missing = read(Path::new("/nonexistent/x.json")).unwrap_err();
        assert!(missing.contains("/nonexistent/x.json"), "{missing}");
    }

    #[test]
    fn inbox_names_are_plain() {
        assert_eq!(
            inbox_name("cab", "../.evil", 7),
            PathBuf::from("cab.____evil.7.json")
        );
    }
}
