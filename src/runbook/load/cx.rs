//! The loader's working state: collected diagnostics, and the references (gates, services,
//! templates, captures) checked once the whole file has been read.

use std::collections::BTreeMap;

use crate::runbook::diag::Diagnostic;
use crate::runbook::schema::Span;

/// Where a template is used, which decides the variables it may see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scope {
    /// Gates and revision sources: any capture of `[[steps]]`, no `rollback.version`.
    Shared,
    /// The N-th entry of `[[steps]]`: only captures of earlier steps.
    Step(usize),
    /// The N-th entry of `[[rollback.steps]]`: any capture of `[[steps]]`, captures of earlier
    /// rollback steps, and `rollback.version`.
    Rollback(usize),
}

/// A template found in the runbook, checked for variables at the end.
#[derive(Debug, Clone)]
pub(crate) struct TplUse {
    pub src: String,
    pub span: Span,
    pub scope: Scope,
    /// The text reaches a shell (`run`, `command`): quoting rules apply.
    pub shell: bool,
    /// e.g. "`run` of step `deploy`".
    pub what: String,
}

/// A name that must resolve to a gate or a service.
#[derive(Debug, Clone)]
pub(crate) struct NameRef {
    pub name: String,
    pub span: Span,
}

/// A `capture` name, with the step that sets it.
#[derive(Debug, Clone)]
pub(crate) struct CaptureDef {
    pub name: String,
    /// Index in `[[steps]]`, or in `[[rollback.steps]]` when `rollback`.
    pub step: usize,
    pub rollback: bool,
    /// e.g. "step `deploy`".
    pub step_what: String,
}

#[derive(Debug, Default)]
pub(crate) struct Cx {
    /// The runbook source, for "first defined at line N" hints.
    pub src: String,
    pub diags: Vec<Diagnostic>,
    /// The scope templates are registered under right now.
    pub scope: Option<Scope>,
    pub templates: Vec<TplUse>,
    pub gate_refs: Vec<NameRef>,
    pub service_refs: Vec<NameRef>,
    pub captures: Vec<CaptureDef>,
    /// `basic_auth.password_env` values, checked against `[secrets] env`.
    pub password_envs: Vec<NameRef>,
    /// Gate ids and service names with the span of their first definition.
    pub gate_ids: BTreeMap<String, Span>,
    pub service_names: BTreeMap<String, Span>,
    /// Spans of conditions that read `baseline`, taken by the gate being read.
    pub baseline_uses: Vec<Span>,
    /// `before` of every gate's `baseline`: must name a step of `[[steps]]`.
    pub baseline_befores: Vec<NameRef>,
    /// Span of `rollback.auto`'s value when it is `true`.
    pub auto_rollback: Option<Span>,
}

impl Cx {
    pub fn error(&mut self, span: Span, message: impl Into<String>) {
        self.diags.push(Diagnostic::error(span, message));
    }

    pub fn warning(&mut self, span: Span, message: impl Into<String>) {
        self.diags.push(Diagnostic::warning(span, message));
    }

    /// 1-based line of a byte offset.
    pub fn line(&self, span: &Span) -> usize {
        crate::runbook::diag::line_col(&self.src, span.start).0
    }

    pub fn use_template(&mut self, src: &str, span: Span, shell: bool, what: String) {
        let scope = self.scope.unwrap_or(Scope::Shared);
        self.templates.push(TplUse {
            src: src.to_string(),
            span,
            scope,
            shell,
            what,
        });
    }
}
