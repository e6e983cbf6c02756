//! Headless answers (`--answers FILE`, DESIGN.md §3.4): evidence, approvals, rollback confirm.

use std::collections::BTreeMap;
use std::path::Path;

use color_eyre::eyre::{Result, eyre};
use serde::Deserialize;

#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Approval {
    /// A typed approver (not accepted where approvals must be signed).
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub reason: String,
    /// Pre-approval files (`flightdeck approve --pre … -o FILE`), relative to the answers file.
    #[serde(default)]
    pub signed: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct RollbackAnswer {
    /// Must equal the environment's name.
    #[serde(default)]
    pub confirm: Option<String>,
    /// The picked target, for `rollback.target = "pick"`.
    #[serde(default)]
    pub target: Option<String>,
}

/// What to do with a step left interrupted (outcome unknown) when a release is resumed.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ResumeAnswer {
    /// `retry`, `mark-done` or `rollback`.
    pub interrupted: String,
    /// The note a `mark-done` needs.
    #[serde(default)]
    pub note: String,
}

/// A drill's findings.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct DrillAnswer {
    pub findings: String,
}

/// The acknowledgement of a watch's warnings (the warn band, DESIGN.md §10).
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct WarningsAnswer {
    /// The note journaled as the acknowledgement (`warnings-ack`).
    pub ack: String,
}

/// An answers file.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Answers {
    #[serde(default)]
    pub evidence: BTreeMap<String, String>,
    #[serde(default)]
    pub approvals: BTreeMap<String, Approval>,
    #[serde(default)]
    pub rollback: Option<RollbackAnswer>,
    #[serde(default)]
    pub resume: Option<ResumeAnswer>,
    #[serde(default)]
    pub drill: Option<DrillAnswer>,
    #[serde(default)]
    pub warnings: Option<WarningsAnswer>,
    /// The file's text, journaled whole.
    #[serde(skip)]
    pub text: String,
    /// The directory of the answers file: `signed` paths are relative to it.
    #[serde(skip)]
    pub dir: std::path::PathBuf,
}

impl Answers {
    pub fn parse(text: &str, file: &str) -> Result<Answers> {
        let mut a: Answers = toml::from_str(text).map_err(|e| {
            let at = e.span().map_or(String::new(), |s| {
                let before = &text[..s.start.min(text.len())];
                let line = before.matches('\n').count() + 1;
                let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
                format!("{line}:{col}: ")
            });
            eyre!(
                "{file}:{at}{} (expected [evidence], [approvals.ID] with name and reason or signed = [\"FILE\", …], [rollback] confirm/target, [resume] interrupted/note, [drill] findings)",
                e.message()
            )
        })?;
        text.clone_into(&mut a.text);
        Ok(a)
    }

    pub fn load(path: &Path) -> Result<Answers> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| eyre!("{}: cannot read the answers file: {e}", path.display()))?;
        let mut a = Self::parse(&text, &path.display().to_string())?;
        a.dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        Ok(a)
    }

    /// The pre-approval files listed for step `id`, resolved against the answers file's
    /// directory.
    pub fn signed_files(&self, id: &str) -> Vec<std::path::PathBuf> {
        self.approvals
            .get(id)
            .map(|a| a.signed.iter().map(|f| self.dir.join(f)).collect())
            .unwrap_or_default()
    }

    /// Whether the file confirms a rollback in `env`.
    pub fn confirms_rollback(&self, env: &str) -> bool {
        self.rollback
            .as_ref()
            .and_then(|r| r.confirm.as_deref())
            .is_some_and(|c| c == env)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_design_example() {
        let a = Answers::parse(
            "[evidence]\nqa = \"QA-123 attached\"\n[approvals.prod-ok]\nname = \"alice\"\nreason = \"CAB-77\"\n[rollback]\nconfirm = \"production\"\n",
            "a.toml",
        )
        .expect("parses");
        assert_eq!(a.evidence["qa"], "QA-123 attached");
        assert_eq!(a.approvals["prod-ok"].name, "alice");
        assert!(a.confirms_rollback("production"));
        assert!(!a.confirms_rollback("prod"));
    }

    #[test]
    fn warnings_ack_parses() {
        let a = Answers::parse("[warnings]\nack = \"checked the dashboards\"\n", "a.toml")
            .expect("parses");
        assert_eq!(
            a.warnings.map(|w| w.ack).as_deref(),
            Some("checked the dashboards")
        );
        assert!(Answers::parse("[warnings]\nacks = \"x\"\n", "a.toml").is_err());
    }

    #[test]
    fn signed_pre_approvals_are_relative_to_the_answers_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("answers.toml");
        std::fs::write(
            &path,
            "[approvals.cab]\nsigned = [\"bob.sig\", \"sub/carol.sig\"]\n",
        )
        .unwrap();
        let a = Answers::load(&path).expect("parses");
        assert!(a.approvals["cab"].name.is_empty());
        assert_eq!(
            a.signed_files("cab"),
            vec![dir.path().join("bob.sig"), dir.path().join("sub/carol.sig")]
        );
        assert!(a.signed_files("other").is_empty());
    }

    #[test]
    fn unknown_section_is_an_error_with_its_place() {
        let e = Answers::parse("[evidense]\nqa = \"x\"\n", "a.toml")
            .expect_err("rejects")
            .to_string();
        assert!(e.starts_with("a.toml:1:"), "{e}");
        assert!(e.contains("evidense"), "{e}");
    }
}
