//! Rendering steps and gates as text for `plan`: exact commands, URLs, gates and timeouts.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::exec::resolve::Resolved;
use crate::runbook::check::plural;
use crate::runbook::template::{self, Context, RenderError};
use crate::runbook::{Capture, Dur, Gate, GateKind, Retry, Step, StepKind, Tpl};

/// Collects rendered lines and the problems met on the way.
pub struct Described<'a> {
    pub r: &'a Resolved,
    pub ctx: &'a Context,
    pub lines: Vec<String>,
    pub problems: Vec<String>,
}

impl<'a> Described<'a> {
    pub fn new(r: &'a Resolved, ctx: &'a Context) -> Self {
        Self {
            r,
            ctx,
            lines: Vec::new(),
            problems: Vec::new(),
        }
    }

    fn problem(&mut self, e: &RenderError) -> String {
        self.problems.push(self.r.render_error(e));
        format!("<{}>", e.message)
    }

    fn t(&mut self, tpl: &Tpl) -> String {
        match template::render(tpl, self.ctx) {
            Ok(s) => s,
            Err(e) => self.problem(&e),
        }
    }

    fn sh(&mut self, tpl: &Tpl) -> String {
        match template::render_shell(tpl, self.ctx) {
            Ok(s) => s,
            Err(e) => self.problem(&e),
        }
    }

    fn d(&mut self, d: &Dur) -> String {
        match template::render_duration(d, self.ctx) {
            Ok(d) => humantime::format_duration(d).to_string(),
            Err(e) => self.problem(&e),
        }
    }

    fn push(&mut self, s: String) {
        self.lines.push(s);
    }

    pub fn step(&mut self, n: usize, step: &Step) {
        let timeout = step
            .timeout
            .as_ref()
            .map(|d| format!(" · timeout {}", self.d(d)))
            .unwrap_or_default();
        let title = super::start::step_title(step, self.ctx);
        self.push(format!(
            "{n:>3}. {} [{}] {title}{timeout}",
            step.id,
            step.kind.name(),
        ));
        if !step.wait_for.is_empty() {
            let ids = step.wait_for.join(", ");
            self.push(format!("       waits for background watch {ids} to end"));
        }
        match &step.kind {
            StepKind::Manual {
                instructions,
                evidence,
            } => {
                if let Some(i) = instructions {
                    let i = self.t(i);
                    self.push(format!("       instructions: {i}"));
                }
                self.push(format!("       evidence: {evidence:?}").to_lowercase());
            }
            StepKind::Approval {
                approvers,
                reason_required,
            } => self.approval(approvers.as_deref(), *reason_required),
            StepKind::Gates { gates, retry } => self.gates(gates, retry.as_ref()),
            StepKind::Run {
                run,
                env,
                workdir,
                capture,
            } => self.run(run, env, workdir.as_ref(), capture),
            StepKind::GitTag {
                tag,
                message,
                push,
                remote,
                allow_dirty,
            } => self.git_tag(tag, message.as_ref(), push.then_some(remote), *allow_dirty),
            StepKind::DockerDeploy {
                service,
                image,
                wait_healthy,
                health_url,
                order,
                retain,
                pull,
            } => {
                let image = self.t(image);
                let wait = self.d(wait_healthy);
                self.push(format!(
                    "       service {service} → image {image} · {order:?} · wait healthy {wait} · retain {retain}{}",
                    if *pull { " · pull" } else { "" }
                ));
                if let Some(u) = health_url {
                    let u = self.t(u);
                    self.push(format!("       health {u}"));
                }
            }
            StepKind::DockerRollback { service } => {
                self.push(format!(
                    "       service {service} → the newest retained container"
                ));
            }
            StepKind::Watch {
                duration, triggers, ..
            } => {
                let d = self.d(duration);
                self.push(format!("       for {d}, triggers:"));
                for id in triggers {
                    self.gate_by_id(id);
                }
            }
            StepKind::Notify {
                url,
                message,
                headers,
                allow_insecure,
            } => self.notify(url, message, headers, *allow_insecure),
        }
    }

    fn approval(&mut self, approvers: Option<&[String]>, reason_required: bool) {
        let who = approvers.map_or("anyone".to_owned(), |a| a.join(", "));
        let r = if reason_required {
            " · reason required"
        } else {
            ""
        };
        self.push(format!("       approvers: {who}{r}"));
    }

    fn gates(&mut self, gates: &[String], retry: Option<&Retry>) {
        for id in gates {
            self.gate_by_id(id);
        }
        if let Some(r) = retry {
            let delay = self.d(&r.delay);
            self.push(format!(
                "       retry: {}, {delay} apart",
                plural(usize::try_from(r.attempts).unwrap_or(usize::MAX), "attempt")
            ));
        }
    }

    fn run(
        &mut self,
        run: &Tpl,
        env: &BTreeMap<String, Tpl>,
        workdir: Option<&Tpl>,
        capture: &[Capture],
    ) {
        let cmd = self.sh(run);
        self.push(format!("       $ {cmd}"));
        for (k, v) in env {
            let v = self.t(v);
            self.push(format!("       env {k}={v}"));
        }
        let wd = match workdir {
            Some(w) => {
                let w = self.t(w);
                self.r.path(&w)
            }
            None => self.r.runbook.dir.clone(),
        };
        self.push(format!("       in {}", wd.display()));
        for c in capture {
            self.push(format!(
                "       capture {} = /{}/",
                c.name,
                c.regex.as_str()
            ));
        }
    }

    /// `push_to` is the remote when the tag is pushed.
    fn git_tag(
        &mut self,
        tag: &Tpl,
        message: Option<&Tpl>,
        push_to: Option<&String>,
        allow_dirty: bool,
    ) {
        let tag = self.t(tag);
        let msg = message.map(|m| self.t(m)).unwrap_or_default();
        let push = push_to
            .map(|remote| format!(" · push to {remote}"))
            .unwrap_or_default();
        let dirty = if allow_dirty {
            " · dirty worktree allowed"
        } else {
            ""
        };
        self.push(format!("       tag {tag} \"{msg}\"{push}{dirty}"));
    }

    fn notify(
        &mut self,
        url: &Tpl,
        message: &Tpl,
        headers: &BTreeMap<String, Tpl>,
        allow_insecure: bool,
    ) {
        let url = self.t(url);
        let msg = self.t(message);
        let insecure = if allow_insecure {
            " (insecure allowed)"
        } else {
            ""
        };
        self.push(format!("       POST {url}{insecure}: {msg}"));
        for (k, v) in headers {
            let v = self.t(v);
            self.push(format!("       header {k}: {v}"));
        }
    }

    fn gate_by_id(&mut self, id: &str) {
        match self.r.runbook.gate(id) {
            Some(g) => {
                let g = g.clone();
                self.gate(&g);
            }
            None => self.push(format!("       gate {id}: (not defined)")),
        }
    }

    pub fn gate(&mut self, g: &Gate) {
        let what = match &g.kind {
            GateKind::Http {
                url,
                method,
                expect_status,
                max_latency,
                body_contains,
                json,
                ..
            } => self.http(
                url,
                method,
                *expect_status,
                max_latency.as_ref(),
                body_contains.as_ref(),
                json.as_ref(),
            ),
            GateKind::Tcp { address } => format!("connect {}", self.t(address)),
            GateKind::Env { names, template } => match template {
                Some(t) => format!("every key of {} set", self.r.path(t).display()),
                None => format!("set: {}", names.join(", ")),
            },
            GateKind::File {
                path,
                exists,
                writable,
                newest,
                max_age,
            } => self.file(
                path,
                *exists == Some(true),
                *writable == Some(true),
                newest.as_deref(),
                max_age.as_ref(),
            ),
            GateKind::Tls {
                address, min_days, ..
            } => format!(
                "certificate of {} valid ≥ {}",
                self.t(address),
                plural(
                    usize::try_from(min_days.unwrap_or(0)).unwrap_or(usize::MAX),
                    "day"
                )
            ),
            GateKind::Command { run, .. } => format!("$ {}", self.sh(run)),
            GateKind::Prometheus {
                server,
                query,
                success_condition,
                failure_condition,
            } => {
                let mut s = format!("{} ? {}", self.t(server), self.t(query));
                if let Some(c) = success_condition {
                    let _ = write!(s, " · pass if {c}");
                }
                if let Some(c) = failure_condition {
                    let _ = write!(s, " · fail if {c}");
                }
                s
            }
            GateKind::Git {
                clean,
                branch,
                head_tagged,
            } => format!(
                "clean={} branch={} head_tagged={}",
                clean.map_or("-".into(), |b| b.to_string()),
                branch.as_deref().unwrap_or("-"),
                head_tagged.map_or("-".into(), |b| b.to_string())
            ),
            GateKind::Docker { service, .. } => format!("containers of {service}"),
            GateKind::Release {
                environment,
                version,
                completed,
                stable_for,
            } => {
                let v = version.as_ref().map(|v| self.t(v)).unwrap_or_default();
                let stable = stable_for
                    .as_ref()
                    .map(|d| format!(" stable for {}", self.d(d)))
                    .unwrap_or_default();
                format!("release {v} in {environment} completed={completed}{stable}")
            }
        };
        let interval = self.d(&g.interval);
        let timeout = self.d(&g.timeout);
        self.push(format!(
            "       gate {} ({}): {what} · every {interval} · timeout {timeout}",
            g.id,
            g.kind.name()
        ));
    }
}

#[path = "describe_gates.rs"]
mod gate_checks;
