//! `[trust]`, `[journal]` and the fields of approval steps (`approvers`, `min_approvals`,
//! `self_approval`, `reason`), DESIGN.md §9.1. Static: `allowed_signers` is only required to be
//! given here; `plan` and `run` read it (`crate::trust::validate`).

use std::collections::BTreeMap;

use super::checks;
use super::cx::Cx;
use super::fields::Fields;
use super::value::{Str, Val};
use crate::runbook::diag::hint;
use crate::runbook::schema::{Anchor, ApprovalPolicy, JournalConfig, Named, Span, StepKind, Trust};

const ALLOWED_SIGNERS: &str = "the path of an OpenSSH allowed_signers file, relative to the runbook, e.g. \"allowed_signers\"";

/// `[trust]`. `environments`: the environment names a release can run in (`[release]
/// environment` and the `[environments]` tables), which `signed_approvals` must name.
pub(crate) fn trust(cx: &mut Cx, v: Option<&Val<'_>>, environments: &[&str]) -> Option<Trust> {
    let mut f = Fields::of(cx, v?, "[trust]", "a table [trust]")?;
    let allowed_signers = f.req_string(cx, "allowed_signers", ALLOWED_SIGNERS);
    let signed_approvals = f.strings(cx, "signed_approvals");
    let seal = f.bool(cx, "seal").unwrap_or(false);
    f.finish(cx);
    if let Some(envs) = &signed_approvals {
        for e in envs {
            if !environments.contains(&e.get_ref().as_str()) {
                let h = hint(
                    e.get_ref(),
                    environments.iter().copied(),
                    "defined environments",
                );
                let msg = format!(
                    "unknown environment `{}` in `signed_approvals` of [trust]{h}",
                    e.get_ref()
                );
                cx.error(e.span(), msg);
            }
        }
    }
    let allowed_signers = allowed_signers?;
    if allowed_signers.get_ref().trim().is_empty() {
        let msg =
            format!("`allowed_signers` in [trust] must not be empty; expected {ALLOWED_SIGNERS}");
        cx.error(allowed_signers.span(), msg);
        return None;
    }
    Some(Trust {
        allowed_signers_span: allowed_signers.span(),
        allowed_signers: allowed_signers.into_inner(),
        signed_approvals: signed_approvals
            .map(|v| v.into_iter().map(toml::Spanned::into_inner).collect()),
        seal,
    })
}

/// `[journal]`; `has_git`: whether the runbook has a `[git]` section for the anchor.
pub(crate) fn journal(cx: &mut Cx, v: Option<&Val<'_>>, has_git: bool) -> JournalConfig {
    let Some(mut f) = v.and_then(|v| Fields::of(cx, v, "[journal]", "a table [journal]")) else {
        return JournalConfig::default();
    };
    let anchor_s = f.string(cx, "anchor");
    let remote = f.string(cx, "remote");
    f.finish(cx);
    let anchor = anchor_s
        .as_ref()
        .and_then(|s| checks::one_of(cx, s, "anchor", "[journal]", &["git"]))
        .map(|_| Anchor::Git);
    if let (Some(s), Some(_), false) = (&anchor_s, anchor, has_git) {
        cx.error(
            s.span(),
            "`anchor = \"git\"` in [journal] needs a [git] section: the anchor ref is written to its repository",
        );
    }
    let remote = remote.and_then(|r| {
        let name = r.get_ref();
        if name.is_empty() || name.starts_with('-') || name.contains(char::is_whitespace) {
            let msg = format!(
                "invalid `remote` \"{name}\" in [journal]; expected a git remote name or URL, e.g. \"origin\""
            );
            cx.error(r.span(), msg);
            return None;
        }
        if anchor_s.is_none() {
            cx.error(
                r.span(),
                "`remote` in [journal] needs `anchor = \"git\"`: it is where the anchor ref is pushed",
            );
        }
        Some(r.into_inner())
    });
    JournalConfig { anchor, remote }
}

/// An approval step's fields.
pub(crate) fn approval(cx: &mut Cx, f: &mut Fields<'_, '_>) -> (StepKind, ApprovalPolicy) {
    let approvers = f.strings(cx, "approvers");
    let approvers_span = approvers
        .as_ref()
        .and_then(|_| f.get("approvers").map(toml::Spanned::span));
    let reason = f.string(cx, "reason");
    let reason_required = reason
        .and_then(|s| checks::one_of(cx, &s, "reason", &f.what, &["required", "optional"]))
        == Some("required");
    let min = f.uint::<u32>(cx, "min_approvals");
    let min_span = min.and_then(|_| f.get("min_approvals").map(toml::Spanned::span));
    let self_approval = f.bool(cx, "self_approval").unwrap_or(false);
    let named = approvers.as_deref().map(|a| distinct(cx, a, &f.what));
    if let (Some(0), Some(span)) = (min, &min_span) {
        let msg = format!("`min_approvals` in {} must be at least 1", f.what);
        cx.error(span.clone(), msg);
    }
    if let (Some(named), Some(list_span)) = (&named, &approvers_span) {
        let wanted = min.unwrap_or(1);
        let listed = named.len();
        if named.is_empty() {
            let msg = format!(
                "`approvers` in {} is empty, so nobody could approve; list who may approve, or leave `approvers` out to let anyone",
                f.what
            );
            cx.error(list_span.clone(), msg);
        } else if usize::try_from(wanted).is_ok_and(|w| w > listed) {
            let span = min_span.clone().unwrap_or_else(|| list_span.clone());
            let msg = format!(
                "`min_approvals` in {} is {wanted}, more than the {} listed in `approvers`",
                f.what,
                super::super::check::plural(listed, "approver")
            );
            cx.error(span, msg);
        }
    }
    let policy = ApprovalPolicy {
        approvers: named.unwrap_or_default(),
        approvers_span,
        min_approvals: min.filter(|m| *m > 0).unwrap_or(1),
        min_approvals_span: min_span,
        self_approval,
    };
    let kind = StepKind::Approval {
        approvers: approvers.map(|v| v.into_iter().map(toml::Spanned::into_inner).collect()),
        reason_required,
    };
    (kind, policy)
}

/// The approvers with their spans; a name listed twice is an error at its second place.
fn distinct(cx: &mut Cx, approvers: &[Str], what: &str) -> Vec<Named> {
    let mut seen: BTreeMap<&str, Span> = BTreeMap::new();
    let mut out = Vec::new();
    for a in approvers {
        let name = a.get_ref().as_str();
        if let Some(first) = seen.get(name) {
            let line = cx.line(first);
            let place = if line == cx.line(&a.span()) {
                String::new()
            } else {
                format!(" (first on line {line})")
            };
            cx.error(
                a.span(),
                format!("approver `{name}` is listed twice in {what}{place}"),
            );
            continue;
        }
        if name.trim().is_empty() {
            cx.error(
                a.span(),
                format!("an approver in {what} is empty; expected a name"),
            );
            continue;
        }
        seen.insert(name, a.span());
        out.push(Named {
            name: name.to_owned(),
            span: a.span(),
        });
    }
    out
}
