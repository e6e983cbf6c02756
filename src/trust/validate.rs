//! `plan`/`run`-time checks of a runbook's approvals against the world (DESIGN.md §9.1): read
//! `allowed_signers`, and refuse approvers that are not principals in it (where approvals are
//! signed) and a `min_approvals` that the approvers other than the operator cannot reach.
//! Every refusal points at the runbook (`FILE:LINE:COL`), like `check`'s.

use crate::exec::resolve::Resolved;
use crate::runbook::check::plural;
use crate::runbook::diag::{self, Diagnostic, hint};
use crate::runbook::{ApprovalPolicy, Runbook, Span, Step};

use super::signers::{AllowedSigners, Principal};

/// Check `rb`'s approval steps (and rollback steps) for a release in `env` run by `operator`.
/// Reads `[trust] allowed_signers` when the runbook has `[trust]`.
pub fn validate(rb: &Runbook, env: &str, operator: &str) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let signers = read_signers(rb, &mut out);
    let signed = rb.signs_approvals(env);
    for step in rb.steps.iter().chain(&rb.rollback.steps) {
        let Some(policy) = &step.approval else {
            continue;
        };
        let signers = signers.as_ref().filter(|_| signed);
        let cx = StepCx {
            step,
            policy,
            operator,
            signers,
        };
        cx.check(&mut out);
    }
    diag::sort(&mut out);
    out
}

/// [`validate`] for a resolved runbook, each refusal rendered as `FILE:LINE:COL: message`: what
/// `plan` lists among its problems and `run` refuses on.
pub fn problems(r: &Resolved) -> Vec<String> {
    let file = r.runbook.path.display().to_string();
    validate(&r.runbook, &r.env_name, &r.ctx.operator)
        .iter()
        .map(|d| d.render(&file, &r.source))
        .collect()
}

fn read_signers(rb: &Runbook, out: &mut Vec<Diagnostic>) -> Option<AllowedSigners> {
    let trust = rb.trust.as_ref()?;
    let path = rb.allowed_signers_path()?;
    let span = trust.allowed_signers_span.clone();
    match AllowedSigners::read(&path) {
        Err(e) => {
            let msg = format!("cannot read allowed_signers {}: {e}", path.display());
            out.push(Diagnostic::error(span, msg));
            None
        }
        Ok((signers, errors)) => {
            for e in errors {
                let msg = format!(
                    "allowed_signers {}:{}: {}",
                    path.display(),
                    e.line,
                    e.message
                );
                out.push(Diagnostic::error(span.clone(), msg));
            }
            Some(signers)
        }
    }
}

/// One approval step being checked.
struct StepCx<'a> {
    step: &'a Step,
    policy: &'a ApprovalPolicy,
    operator: &'a str,
    /// The allowed signers, when approvals are signed in this environment.
    signers: Option<&'a AllowedSigners>,
}

impl StepCx<'_> {
    fn check(&self, out: &mut Vec<Diagnostic>) {
        let mut able: Vec<&str> = Vec::new();
        for a in &self.policy.approvers {
            if self.is_signer(&a.name, &a.span, out) {
                able.push(&a.name);
            }
        }
        if self.policy.approvers.is_empty() {
            // Anyone may approve: when signed, anyone with a principal.
            let Some(all) = self.signers.and_then(AllowedSigners::literal_principals) else {
                return;
            };
            able = all;
        }
        let excluded = !self.policy.self_approval && able.contains(&self.operator);
        if excluded {
            able.retain(|a| *a != self.operator);
        }
        let need = self.policy.min_approvals;
        if usize::try_from(need).is_ok_and(|n| able.len() >= n) {
            return;
        }
        out.push(Diagnostic::error(
            self.place(),
            self.unreachable(&able, excluded),
        ));
    }

    /// Whether `name` can sign approvals; when it cannot, says why at `span`.
    fn is_signer(&self, name: &str, span: &Span, out: &mut Vec<Diagnostic>) -> bool {
        let Some(signers) = self.signers else {
            return true;
        };
        let id = &self.step.id;
        let file = signers.path.display();
        let msg = match signers.principal(name) {
            Principal::Allowed(_) => return true,
            Principal::OtherNamespaces(e) => {
                let ns = e.namespaces.as_deref().unwrap_or_default().join(",");
                format!(
                    "approver `{name}` of step `{id}` cannot sign flightdeck approvals: line {} of allowed_signers {file} limits the key to namespaces=\"{ns}\"; add flightdeck",
                    e.line
                )
            }
            Principal::Unknown => {
                let known = signers.literal_principals().unwrap_or_default();
                let h = hint(name, known, "its principals");
                format!(
                    "approver `{name}` of step `{id}` is not a principal in allowed_signers {file}{h}"
                )
            }
        };
        out.push(Diagnostic::error(span.clone(), msg));
        false
    }

    /// Where an unreachable `min_approvals` is reported: its value, else `approvers`, else the
    /// step.
    fn place(&self) -> Span {
        self.policy
            .min_approvals_span
            .clone()
            .or_else(|| self.policy.approvers_span.clone())
            .unwrap_or_else(|| self.step.span.clone())
    }

    fn unreachable(&self, able: &[&str], excluded: bool) -> String {
        let need = usize::try_from(self.policy.min_approvals).unwrap_or(usize::MAX);
        let noun = if self.signers.is_some() {
            "allowed signer"
        } else {
            "approver"
        };
        let who = match able.len() {
            0 => format!("no {noun} can give one"),
            n => format!("only {} can ({})", plural(n, noun), able.join(", ")),
        };
        let why = if excluded {
            format!(
                "; the operator `{}` cannot approve their own release (self_approval = false)",
                self.operator
            )
        } else {
            String::new()
        };
        format!(
            "step `{}` needs {}, but {who}{why}",
            self.step.id,
            plural(need, "approval")
        )
    }
}
