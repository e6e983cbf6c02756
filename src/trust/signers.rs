//! Reading an OpenSSH `allowed_signers` file (ssh-keygen(1), "ALLOWED SIGNERS"), the file git
//! uses for `gpg.ssh.allowedSignersFile`: one key a line,
//! `principal[,principal…] [options] keytype base64 [comment]`, `#` comments.
//!
//! This is read for `plan`-time checks (is an approver a principal? may their key sign for
//! `flightdeck`?). Verifying a signature does not use it: `ssh-keygen -Y verify` reads the file
//! itself (see `verify`), so the two can only disagree in what `plan` reports, never in what is
//! accepted.

use std::path::{Path, PathBuf};

use chrono::NaiveDateTime;
use ssh_key::{HashAlg, PublicKey};
use wildmatch::WildMatch;

use super::NAMESPACE;

/// One key line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// 1-based line in the file.
    pub line: usize,
    /// Principal patterns (`*` and `?` wildcards, `!` negates), as written.
    pub principals: Vec<String>,
    pub cert_authority: bool,
    /// `namespaces="…"` patterns; `None`: every namespace.
    pub namespaces: Option<Vec<String>>,
    pub valid_after: Option<String>,
    pub valid_before: Option<String>,
    pub key: PublicKey,
}

impl Entry {
    /// Whether `principal` is one of this line's (OpenSSH's `match_pattern_list`).
    pub fn has_principal(&self, principal: &str) -> bool {
        match_list(principal, &self.principals)
    }

    /// Whether this line's key may sign for flightdeck (`namespaces` allows it).
    pub fn signs_for_flightdeck(&self) -> bool {
        self.namespaces
            .as_ref()
            .is_none_or(|ns| match_list(NAMESPACE, ns))
    }

    /// `SHA256:…` of the key.
    pub fn fingerprint(&self) -> String {
        self.key.fingerprint(HashAlg::Sha256).to_string()
    }
}

/// A line that is not a valid allowed-signers entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineError {
    pub line: usize,
    pub message: String,
}

/// What an `allowed_signers` file says about one name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Principal<'a> {
    /// A line names it and its key may sign for flightdeck.
    Allowed(&'a Entry),
    /// Lines name it, but their `namespaces` leave flightdeck out (the first such line).
    OtherNamespaces(&'a Entry),
    Unknown,
}

/// A parsed `allowed_signers` file.
#[derive(Debug, Clone)]
pub struct AllowedSigners {
    pub path: PathBuf,
    pub entries: Vec<Entry>,
}

impl AllowedSigners {
    /// Read and parse `path`: `Err` when it cannot be read; otherwise the valid lines and the
    /// errors of the others.
    pub fn read(path: &Path) -> std::io::Result<(Self, Vec<LineError>)> {
        let text = std::fs::read_to_string(path)?;
        Ok(Self::parse(&text, path))
    }

    pub fn parse(text: &str, path: &Path) -> (Self, Vec<LineError>) {
        let mut entries = Vec::new();
        let mut errors = Vec::new();
        for (i, raw) in text.lines().enumerate() {
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            match parse_line(line, i + 1) {
                Ok(e) => entries.push(e),
                Err(message) => errors.push(LineError {
                    line: i + 1,
                    message,
                }),
            }
        }
        let path = path.to_path_buf();
        (Self { path, entries }, errors)
    }

    /// What the file says about `name` as a signer for flightdeck.
    pub fn principal(&self, name: &str) -> Principal<'_> {
        let mut named = self.entries.iter().filter(|e| e.has_principal(name));
        let Some(first) = named.next() else {
            return Principal::Unknown;
        };
        if first.signs_for_flightdeck() {
            return Principal::Allowed(first);
        }
        match named.find(|e| e.signs_for_flightdeck()) {
            Some(e) => Principal::Allowed(e),
            None => Principal::OtherNamespaces(first),
        }
    }

    /// The principals written without wildcards or negation, of lines that may sign for
    /// flightdeck, in file order; `None` when some such line uses a pattern (any number of
    /// names may then match).
    pub fn literal_principals(&self) -> Option<Vec<&str>> {
        let mut out: Vec<&str> = Vec::new();
        for e in self.entries.iter().filter(|e| e.signs_for_flightdeck()) {
            for p in &e.principals {
                if p.contains(['*', '?', '!']) {
                    return None;
                }
                if !out.contains(&p.as_str()) {
                    out.push(p);
                }
            }
        }
        Some(out)
    }
}

/// OpenSSH's `match_pattern_list`: true when some pattern of the list matches and no negated
/// one (`!pattern`) does.
fn match_list(name: &str, patterns: &[String]) -> bool {
    let mut matched = false;
    for p in patterns {
        if let Some(neg) = p.strip_prefix('!') {
            if WildMatch::new(neg).matches(name) {
                return false;
            }
        } else if WildMatch::new(p).matches(name) {
            matched = true;
        }
    }
    matched
}

/// The token at the start of `s` (a quoted string, or up to whitespace) and the rest.
fn token(s: &str) -> Result<(String, &str), String> {
    if let Some(q) = s.strip_prefix('"') {
        let end = q.find('"').ok_or("an unterminated quoted principal")?;
        return Ok((q[..end].to_owned(), &q[end + 1..]));
    }
    let end = s.find(char::is_whitespace).unwrap_or(s.len());
    Ok((s[..end].to_owned(), &s[end..]))
}

/// The options text at the start of `s`: up to the first whitespace outside quotes.
fn options_text(s: &str) -> Result<(&str, &str), String> {
    let mut quoted = false;
    for (i, c) in s.char_indices() {
        match c {
            '"' => quoted = !quoted,
            c if c.is_whitespace() && !quoted => return Ok((&s[..i], &s[i..])),
            _ => {}
        }
    }
    if quoted {
        return Err("an unterminated quote in the options".into());
    }
    Ok((s, ""))
}

fn parse_line(line: &str, number: usize) -> Result<Entry, String> {
    let (principals, rest) = token(line)?;
    let principals: Vec<String> = principals.split(',').map(str::to_owned).collect();
    if principals.iter().any(String::is_empty) {
        return Err("an empty principal".into());
    }
    let rest = rest.trim_start();
    let (opts, key_text) = if PublicKey::from_openssh(rest).is_ok() {
        ("", rest)
    } else {
        let (o, k) = options_text(rest)?;
        (o, k.trim_start())
    };
    let key = PublicKey::from_openssh(key_text).map_err(|e| {
        if key_text.is_empty() {
            "no public key after the principals and options".to_owned()
        } else {
            format!("not an OpenSSH public key (`keytype base64 [comment]`): {e}")
        }
    })?;
    let mut entry = Entry {
        line: number,
        principals,
        cert_authority: false,
        namespaces: None,
        valid_after: None,
        valid_before: None,
        key,
    };
    for opt in split_options(opts) {
        let (name, value) = match opt.split_once('=') {
            Some((n, v)) => (n, Some(unquote(v)?)),
            None => (opt, None),
        };
        match (name.to_ascii_lowercase().as_str(), value) {
            ("cert-authority", None) => entry.cert_authority = true,
            ("namespaces", Some(v)) => {
                entry.namespaces = Some(v.split(',').map(str::to_owned).collect());
            }
            ("valid-after", Some(v)) => entry.valid_after = Some(time(&v)?),
            ("valid-before", Some(v)) => entry.valid_before = Some(time(&v)?),
            _ => {
                return Err(format!(
                    "unknown option `{opt}`; expected cert-authority, namespaces=\"…\", valid-after=\"…\" or valid-before=\"…\""
                ));
            }
        }
    }
    Ok(entry)
}

/// Options split at commas outside quotes.
fn split_options(opts: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut start, mut quoted) = (0, false);
    for (i, c) in opts.char_indices() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => {
                out.push(&opts[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    if !opts.is_empty() {
        out.push(&opts[start..]);
    }
    out
}

fn unquote(v: &str) -> Result<String, String> {
    match v.strip_prefix('"').and_then(|v| v.strip_suffix('"')) {
        Some(inner) => Ok(inner.to_owned()),
        None => Err(format!("option value {v} must be in double quotes")),
    }
}

/// `YYYYMMDD[Z]` or `YYYYMMDDHHMM[SS][Z]`, as ssh-keygen takes for `valid-after`/`valid-before`.
fn time(v: &str) -> Result<String, String> {
    let digits = v.strip_suffix(['Z', 'z']).unwrap_or(v);
    let padded = match digits.len() {
        8 => format!("{digits}000000"),
        12 => format!("{digits}00"),
        _ => digits.to_owned(),
    };
    match NaiveDateTime::parse_from_str(&padded, "%Y%m%d%H%M%S") {
        Ok(_) if digits.chars().all(|c| c.is_ascii_digit()) => Ok(v.to_owned()),
        _ => Err(format!(
            "invalid time \"{v}\"; expected YYYYMMDD[Z] or YYYYMMDDHHMM[SS][Z]"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str =
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAINfKPshiCLmOal66SfjOGMBqgxuI5DpjaOwmlvFj2yMg";

    fn parse(text: &str) -> (AllowedSigners, Vec<LineError>) {
        AllowedSigners::parse(text, Path::new("allowed_signers"))
    }

    #[test]
    fn lines_with_options_comments_and_quoted_principals() {
        let text = format!(
            "# team\n\nalice,alice@example.com {KEY} alice@laptop\n\
             bob namespaces=\"git,flightdeck\",valid-after=\"20200101\" {KEY}\n\
             \"carol smith\" namespaces=\"git\" {KEY}\n\
             *@ops.example.com cert-authority,valid-before=\"202701011200Z\" {KEY} ca\n"
        );
        let (s, errors) = parse(&text);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(s.entries.len(), 4);
        assert_eq!(s.entries[0].line, 3);
        assert_eq!(s.entries[0].principals, ["alice", "alice@example.com"]);
        assert_eq!(
            s.entries[0].fingerprint(),
            "SHA256:zzPzpcyO9U5Vv2J1dW141oaJCmXi6x62WoIiQF5vWWA"
        );
        assert!(matches!(s.principal("alice@example.com"), Principal::Allowed(e) if e.line == 3));
        assert!(matches!(s.principal("bob"), Principal::Allowed(e) if e.line == 4));
        assert_eq!(s.entries[1].valid_after.as_deref(), Some("20200101"));
        assert!(matches!(s.principal("carol smith"), Principal::OtherNamespaces(e) if e.line == 5));
        assert!(s.entries[3].cert_authority);
        assert!(matches!(
            s.principal("dave@ops.example.com"),
            Principal::Allowed(_)
        ));
        assert_eq!(s.principal("dave"), Principal::Unknown);
        assert_eq!(s.literal_principals(), None, "a pattern matches any number");
        let (s, _) = parse(&format!(
            "alice,bob {KEY}\ncarol namespaces=\"git\" {KEY}\n"
        ));
        assert_eq!(s.literal_principals(), Some(vec!["alice", "bob"]));
    }

    #[test]
    fn negated_patterns_exclude() {
        let (s, _) = parse(&format!("*@example.com,!mallory@example.com {KEY}\n"));
        assert!(matches!(
            s.principal("alice@example.com"),
            Principal::Allowed(_)
        ));
        assert_eq!(s.principal("mallory@example.com"), Principal::Unknown);
    }

    #[test]
    fn bad_lines_are_reported_with_their_numbers() {
        let text = format!(
            "alice {KEY}\nbob ssh-ed25519 notbase64\ncarol bogus-opt {KEY}\n\
             dave valid-after=\"2020-01-01\" {KEY}\n\"erin {KEY}\nfrank\n"
        );
        let (s, errors) = parse(&text);
        assert_eq!(s.entries.len(), 1);
        let lines: Vec<usize> = errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, [2, 3, 4, 5, 6]);
        assert!(
            errors[1].message.contains("unknown option `bogus-opt`"),
            "{errors:?}"
        );
        assert!(errors[2].message.contains("invalid time"), "{errors:?}");
        assert!(errors[4].message.contains("no public key"), "{errors:?}");
    }
}
