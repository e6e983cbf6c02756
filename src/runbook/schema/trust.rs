//! `[trust]`, `[journal]` and the approval policy of approval steps (DESIGN.md §9.1): what the
//! runbook says about signed approvals, the seal and the journal's anchor. Static only: the
//! `allowed_signers` file is read at plan/run time by `crate::trust`.

use super::Span;

/// `[trust]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trust {
    /// `allowed_signers` as written: an OpenSSH allowed-signers file, relative to the runbook's
    /// directory unless absolute.
    pub allowed_signers: String,
    /// Span of the `allowed_signers` value.
    pub allowed_signers_span: Span,
    /// `signed_approvals`; `None` when not given, which means: the protected environments.
    pub signed_approvals: Option<Vec<String>>,
    /// `seal`: the operator signs the journal head at release start and at every phase end.
    pub seal: bool,
}

/// `[journal] anchor`: where the journal head is anchored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Anchor {
    /// `refs/flightdeck/<release-id>` in the `[git]` repository.
    Git,
}

/// `[journal]`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JournalConfig {
    pub anchor: Option<Anchor>,
    /// The git remote the anchor ref is pushed to, with the operator's own git.
    pub remote: Option<String>,
}

/// A name with the span of its value in the runbook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Named {
    pub name: String,
    pub span: Span,
}

/// How many approvals an approval step needs, and from whom.
///
/// Kept beside [`super::StepKind::Approval`] (on [`super::Step::approval`]) rather than in it,
/// so that the code that destructures that variant keeps compiling.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApprovalPolicy {
    /// `approvers`, each with its span (empty when not given: anyone may approve).
    pub approvers: Vec<Named>,
    /// Span of the `approvers` array, when given.
    pub approvers_span: Option<Span>,
    /// `min_approvals` (default 1).
    pub min_approvals: u32,
    /// Span of the `min_approvals` value, when given.
    pub min_approvals_span: Option<Span>,
    /// `self_approval` (default false): whether the operator counts as an approver.
    pub self_approval: bool,
}

impl Default for ApprovalPolicy {
    fn default() -> Self {
        Self {
            approvers: Vec::new(),
            approvers_span: None,
            min_approvals: 1,
            min_approvals_span: None,
            self_approval: false,
        }
    }
}
