//! Secret masking on the way in: `[secrets]` values, URL passwords, basic-auth passwords and
//! `password=…`-style pairs become `••••` before any copy is stored (state, journal, panes,
//! plain output, reports, saved logs, notify messages).

use std::borrow::Cow;
use std::sync::LazyLock;

use regex::Regex;
use serde_json::Value;

use crate::release::{Event, Msg};

/// What a masked value becomes.
pub const MASK: &str = "••••";
/// Values shorter than this are not masked (they would mask half the log); `plan` and `run`
/// warn about them.
pub const MIN_SECRET: usize = 4;

/// `scheme://user:PASSWORD@host`.
static URL_PASSWORD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b([a-z][a-z0-9+.-]*://[^/\s:@]+:)([^@\s/]+)@").expect("valid regex")
});
/// `password=…`, `token=…`, `api_key=…` and the like; `Authorization: Basic …`.
static PAIRS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(password|passwd|token|secret|api[_-]?key)=\S+|\b(authorization:\s*(?:basic|bearer)\s+)\S+")
        .expect("valid regex")
});

/// The keys of [`PAIRS`] (lower case), each directly before `=` in a line it masks.
const PAIR_KEYS: [&[u8]; 7] = [
    b"password",
    b"passwd",
    b"token",
    b"secret",
    b"apikey",
    b"api_key",
    b"api-key",
];

/// Whether [`URL_PASSWORD`] or [`PAIRS`] can match `text` at all, by one pass over its bytes:
/// a URL password needs `://` and `@`; a pair needs one of its keys (any case) right before
/// `=`, or `authorization` right before `:`. Most log lines have neither, and skip both
/// regexes (the check errs towards running them: it never skips a line they would mask).
fn may_hold_pattern(text: &str) -> bool {
    let b = text.as_bytes();
    let ends_with = |end: usize, key: &[u8]| {
        end >= key.len() && b[end - key.len()..end].eq_ignore_ascii_case(key)
    };
    if b.contains(&b'@') && text.contains("://") {
        return true;
    }
    b.iter().enumerate().any(|(i, &c)| match c {
        b'=' => PAIR_KEYS.iter().any(|k| ends_with(i, k)),
        b':' => ends_with(i, b"authorization"),
        _ => false,
    })
}

/// Masks known secret values and secret-looking patterns.
#[derive(Debug, Clone, Default)]
pub struct Masker {
    literals: Option<Regex>,
}

impl Masker {
    /// A masker for these secret values (shorter than [`MIN_SECRET`] are ignored).
    pub fn new<I, S>(values: I) -> Masker
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut vals: Vec<String> = values
            .into_iter()
            .map(|v| v.as_ref().to_owned())
            .filter(|v| v.chars().count() >= MIN_SECRET)
            .collect();
        // Longest first, so a secret containing another is masked whole.
        vals.sort_by_key(|v| std::cmp::Reverse(v.len()));
        vals.dedup();
        let literals = (!vals.is_empty()).then(|| {
            let alt: Vec<String> = vals.iter().map(|v| regex::escape(v)).collect();
            Regex::new(&alt.join("|")).expect("escaped literals form a valid regex")
        });
        Masker { literals }
    }

    /// A masker for the values of these environment variables (the `[secrets] env` list),
    /// and the names among them whose values are too short to mask.
    pub fn from_env(names: &[String]) -> (Masker, Vec<String>) {
        let mut short = Vec::new();
        let mut values = Vec::new();
        for n in names {
            if let Ok(v) = std::env::var(n) {
                if v.chars().count() < MIN_SECRET {
                    if !v.is_empty() {
                        short.push(n.clone());
                    }
                } else {
                    values.push(v);
                }
            }
        }
        (Masker::new(values), short)
    }

    /// The text with every secret replaced by [`MASK`].
    pub fn mask<'a>(&self, text: &'a str) -> Cow<'a, str> {
        let mut out: Cow<'a, str> = Cow::Borrowed(text);
        if let Some(re) = &self.literals
            && re.is_match(&out)
        {
            out = Cow::Owned(re.replace_all(&out, MASK).into_owned());
        }
        if !may_hold_pattern(&out) {
            return out;
        }
        if URL_PASSWORD.is_match(&out) {
            out = Cow::Owned(
                URL_PASSWORD
                    .replace_all(&out, format!("${{1}}{MASK}@"))
                    .into_owned(),
            );
        }
        if PAIRS.is_match(&out) {
            let replaced =
                PAIRS.replace_all(&out, |c: &regex::Captures<'_>| match (c.get(1), c.get(2)) {
                    (Some(k), _) => format!("{}={MASK}", k.as_str()),
                    (None, Some(h)) => format!("{}{MASK}", h.as_str()),
                    (None, None) => MASK.to_owned(),
                });
            out = Cow::Owned(replaced.into_owned());
        }
        out
    }

    /// Mask a string in place.
    pub fn mask_in_place(&self, s: &mut String) {
        if let Cow::Owned(m) = self.mask(s) {
            *s = m;
        }
    }

    /// Mask every string in a JSON value.
    pub fn mask_json(&self, v: &mut Value) {
        match v {
            Value::String(s) => self.mask_in_place(s),
            Value::Array(a) => a.iter_mut().for_each(|x| self.mask_json(x)),
            Value::Object(m) => m.values_mut().for_each(|x| self.mask_json(x)),
            _ => {}
        }
    }

    /// Mask every string of an event (round-trips it through its JSON form).
    pub fn mask_event(&self, ev: &mut Event) {
        // A seal is journaled exactly as signed (its fields are hashes and base64, no secrets):
        // masking a secret that happens to occur in the base64 would break the signature.
        if matches!(ev, Event::Seal { .. }) {
            return;
        }
        let Ok(mut v) = serde_json::to_value(&*ev) else {
            return;
        };
        self.mask_json(&mut v);
        if let Ok(masked) = serde_json::from_value(v) {
            *ev = masked;
        }
    }

    /// Mask everything a message carries that may end up stored or shown.
    #[allow(clippy::match_same_arms)] // `Msg::Signed` stays apart, with why it is not masked
    pub fn mask_msg(&self, msg: &mut Msg) {
        match msg {
            Msg::Output { lines, .. } => lines.iter_mut().for_each(|l| self.mask_in_place(l)),
            Msg::Evidence { note, .. }
            | Msg::MarkDone { note }
            | Msg::Abandon { note }
            | Msg::EndWatch { note }
            | Msg::EndWatchOf { note, .. }
            | Msg::AckWarnings { note, .. } => {
                self.mask_in_place(note);
            }
            Msg::Skip { reason } | Msg::Arm { reason, .. } => self.mask_in_place(reason),
            Msg::Approve { name, reason, .. } => {
                self.mask_in_place(name);
                self.mask_in_place(reason);
            }
            Msg::Finished {
                reason, captures, ..
            } => {
                if let Some(r) = reason {
                    self.mask_in_place(r);
                }
                for v in captures.values_mut() {
                    self.mask_in_place(v);
                }
            }
            Msg::Record(ev) | Msg::Begin(ev) => self.mask_event(ev),
            // A signed approval is journaled exactly as signed: masking its reason would make
            // the record disagree with its signature. The approver chose what to sign.
            Msg::Signed(_)
            | Msg::Next
            | Msg::Retry
            | Msg::Cancel
            | Msg::Rollback { .. }
            | Msg::Timer { .. }
            | Msg::StopCountdown
            | Msg::ResumeBackground
            | Msg::ExtendWatch { .. } => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_secret_values_url_passwords_and_pairs() {
        let m = Masker::new(["s3cr3t-value", "abc"]);
        assert_eq!(m.mask("db is s3cr3t-value!"), "db is ••••!");
        assert_eq!(
            m.mask("abc stays"),
            "abc stays",
            "short values are not masked"
        );
        assert_eq!(
            m.mask("postgres://app:hunter22@127.0.0.1:5432/db"),
            "postgres://app:••••@127.0.0.1:5432/db"
        );
        assert_eq!(m.mask("login token=xyz123 ok"), "login token=•••• ok");
        assert_eq!(
            m.mask("API_KEY=k1 Password=p"),
            "API_KEY=•••• Password=••••"
        );
        assert_eq!(
            m.mask("Authorization: Basic dXNlcjpwYXNz"),
            "Authorization: Basic ••••"
        );
        assert!(matches!(m.mask("nothing here"), Cow::Borrowed(_)));
    }

    #[test]
    fn the_quick_check_never_skips_a_line_the_patterns_mask() {
        let m = Masker::default();
        for line in [
            "postgres://app:hunter22@127.0.0.1:5432/db",
            "HTTPS://u:p@h",
            "login token=xyz123 ok",
            "API_KEY=k1 Password=p",
            "x Api-Key=1",
            "set apikey=2; passwd=3 SECRET=4",
            "Authorization: Basic dXNlcjpwYXNz",
            "AUTHORIZATION:bearer abc",
        ] {
            assert!(may_hold_pattern(line), "{line}");
            assert!(matches!(m.mask(line), Cow::Owned(_)), "{line}");
        }
        for line in [
            "2026-11-24T00:00:00Z INFO request handled path=/api/v1/orders status=200",
            "user@example.com said hi",
            "see https://example.com/x",
            "tokens=5 apis=3",
            "authorization failed",
        ] {
            assert!(!may_hold_pattern(line), "{line}");
            assert!(matches!(m.mask(line), Cow::Borrowed(_)), "{line}");
        }
    }

    #[test]
    fn a_longer_secret_containing_a_shorter_one_is_masked_whole() {
        let m = Masker::new(["pass", "password123"]);
        assert_eq!(m.mask("x password123 y"), "x •••• y");
    }

    #[test]
    fn masks_messages_and_events() {
        let m = Masker::new(["hunter22"]);
        let mut msg = Msg::Output {
            phase: crate::release::Phase::Main,
            step: "s".into(),
            stream: "stdout".into(),
            lines: vec!["pw hunter22".into()],
        };
        m.mask_msg(&mut msg);
        assert!(matches!(&msg, Msg::Output { lines, .. } if lines[0] == "pw ••••"));
        let mut ev = Event::Note {
            step: None,
            phase: None,
            action: None,
            text: "hunter22".into(),
            extend_ms: None,
        };
        m.mask_event(&mut ev);
        assert!(matches!(&ev, Event::Note { text, .. } if text == MASK));
    }
}
