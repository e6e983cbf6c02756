//! Answers for the steps a person answers, headless: evidence and approvals.

use std::io::Write;

use super::{Plain, ask_tty};
use crate::release::{Msg, Outcome, Phase};
use crate::runbook::StepType;

impl<W: Write> Plain<'_, W> {
    /// A watch that saw warnings: `[warnings] ack` in the answers file, or the terminal,
    /// acknowledges them; `--auto-approve` never does, so otherwise the watch fails.
    fn ack_warnings(&self, s: &crate::release::StepState, fail: impl Fn(String) -> Msg) -> Msg {
        let answers = self.opts.answers.as_ref();
        if let Some(note) = answers
            .and_then(|a| a.warnings.as_ref())
            .map(|w| w.ack.clone())
        {
            return Msg::AckWarnings {
                note,
                source: "answers".into(),
            };
        }
        if self.opts.tty
            && let Some(note) = ask_tty(&format!(
                "watch `{}` saw warnings ({}); acknowledge them with a note: ",
                s.id,
                s.warnings_text()
            ))
        {
            return Msg::AckWarnings {
                note,
                source: "terminal".into(),
            };
        }
        fail(format!(
            "watch `{}` saw warnings ({}) that nobody acknowledged: give [warnings] ack = \"…\" in the answers file, or answer on a terminal (--auto-approve never acknowledges warnings)",
            s.id,
            s.warnings_text()
        ))
    }

    /// Where approvals are signed and the answers file has none for step `index` of `phase`:
    /// the waiting line (the approvals come from `flightdeck approve` through the inbox).
    pub(super) fn signed_wait(&self, phase: Phase, index: usize) -> Option<String> {
        let s = &self.view.list(phase)[index];
        let answered = self
            .opts
            .answers
            .as_ref()
            .is_some_and(|a| a.approvals.contains_key(&s.id));
        if s.kind != StepType::Approval || !self.view.trust.signed_approvals || answered {
            return None;
        }
        let line = crate::ui::approvals::waiting_line(&self.view, s)
            .unwrap_or_else(|| format!("waiting: flightdeck approve {}", s.id));
        Some(format!("step `{}`: {line}", s.id))
    }

    /// The answer to step `index` of `phase`: from the answers file, `--auto-approve`, the
    /// terminal, or a failure that says how to give it.
    pub(super) fn answer(&mut self, phase: Phase, index: usize) -> Msg {
        let s = self.view.list(phase)[index].clone();
        let protected = self.d.resolved().is_some_and(|r| r.protected);
        let answers = self.opts.answers.as_ref();
        let fail = |why: String| Msg::Finished {
            phase,
            step: s.id.clone(),
            outcome: Outcome::Failed,
            exit_code: None,
            reason: Some(why),
            duration_ms: 0,
            captures: std::collections::BTreeMap::new(),
        };
        if s.kind == StepType::Watch {
            return self.ack_warnings(&s, fail);
        }
        if s.kind == StepType::Manual {
            if let Some(note) = answers.and_then(|a| a.evidence.get(&s.id)) {
                return Msg::Evidence {
                    note: note.clone(),
                    source: "answers".into(),
                };
            }
            if self.opts.auto_approve && !protected && !s.info.evidence_required {
                return Msg::Evidence {
                    note: "approved by --auto-approve".into(),
                    source: "auto-approve".into(),
                };
            }
            if self.opts.tty
                && let Some(note) = ask_tty(&format!("evidence for `{}` ({}): ", s.id, s.title))
            {
                return Msg::Evidence {
                    note,
                    source: "terminal".into(),
                };
            }
            let auto = if s.info.evidence_required {
                "or on a terminal (--auto-approve cannot give required evidence)"
            } else {
                "on a terminal, or with --auto-approve (not in a protected environment)"
            };
            return fail(format!(
                "no evidence for step `{}`: give it in an answers file (--answers FILE with [evidence] {} = \"…\"), {auto}",
                s.id, s.id
            ));
        }
        // Where approvals must be signed, neither a typed name nor --auto-approve stands in.
        let signed = self
            .d
            .resolved()
            .is_some_and(|r| r.runbook.signs_approvals(&r.env_name));
        if signed {
            return fail(format!(
                "step `{}` needs signed approvals in `{}`: a typed name or --auto-approve does not count; list pre-approvals (`flightdeck approve --pre … -o FILE`) in the answers file: [approvals.{}] signed = [\"bob.sig\", …]",
                s.id,
                self.d.resolved().map_or("", |r| r.env_name.as_str()),
                s.id
            ));
        }
        if let Some(a) = answers.and_then(|a| a.approvals.get(&s.id))
            && !a.name.trim().is_empty()
        {
            return Msg::Approve {
                name: a.name.clone(),
                reason: a.reason.clone(),
                source: "answers".into(),
            };
        }
        if self.opts.auto_approve && !protected {
            return Msg::Approve {
                name: self.d.operator().to_owned(),
                reason: "approved by --auto-approve".into(),
                source: "auto-approve".into(),
            };
        }
        if self.opts.tty
            && let Some(name) = ask_tty(&format!("approver for `{}` ({}): ", s.id, s.title))
        {
            let reason = ask_tty("reason: ").unwrap_or_default();
            return Msg::Approve {
                name,
                reason,
                source: "terminal".into(),
            };
        }
        fail(format!(
            "no approval for step `{}`: give it in an answers file (--answers FILE with [approvals.{}] name = \"…\" and reason = \"…\"), on a terminal, or with --auto-approve (not in a protected environment)",
            s.id, s.id
        ))
    }
}
