//! The runtime: the step executors. It starts, steers and cancels steps for the driver (which
//! journals first, then hands it the effects); executors report back as owned `Msg`s.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Instant;

use color_eyre::eyre::{Result, eyre};
use tokio::sync::mpsc;

use super::command::{self, Handle, RunSpec};
use super::resolve::Resolved;
use super::{gates_step, git_tag, notify};
use crate::journal::{Kind, StateDir};
use crate::logs::Masker;
use crate::release::{Effect, Msg, Outcome, Phase, ReleaseState};
use crate::runbook::template::{self, Context};
use crate::runbook::{Step, StepKind};

/// Runs the steps of one release.
pub struct Runtime {
    pub resolved: Resolved,
    /// The release's state dir (gates read it; `release` gates read its journals).
    pub state_dir: StateDir,
    pub operator: String,
    pub host: String,
    /// Masks secrets in everything that is stored or shown.
    pub masker: Masker,
    tx: mpsc::UnboundedSender<Msg>,
    handles: HashMap<(Phase, String), Handle>,
}

/// The masker for a resolved runbook: `[secrets] env` values and basic-auth passwords; also
/// the names of secrets too short to mask (to warn about).
pub fn masker_for(r: &Resolved) -> (Masker, Vec<String>) {
    let mut names = r.runbook.secrets.clone();
    for g in &r.runbook.gates {
        if let crate::runbook::GateKind::Http {
            basic_auth: Some(b),
            ..
        } = &g.kind
        {
            names.push(b.password_env.clone());
        }
    }
    Masker::from_env(&names)
}

/// Map an event kind (`step-started`) to the journal's kind.
pub fn journal_kind(kind: &str) -> Result<Kind> {
    serde_json::from_value(serde_json::Value::String(kind.to_owned()))
        .map_err(|_| eyre!("unknown journal kind `{kind}`"))
}

impl Runtime {
    pub fn new(
        resolved: Resolved,
        state_dir: StateDir,
        host: String,
        tx: mpsc::UnboundedSender<Msg>,
    ) -> Self {
        let operator = resolved.ctx.operator.clone();
        let (masker, _) = masker_for(&resolved);
        Self {
            resolved,
            state_dir,
            operator,
            host,
            masker,
            tx,
            handles: HashMap::new(),
        }
    }

    pub fn sender(&self) -> mpsc::UnboundedSender<Msg> {
        self.tx.clone()
    }

    /// Perform an executor's effect: start, cancel or steer a step. (Journal records and
    /// timers are the driver's.)
    pub fn perform(&mut self, e: &Effect, st: &ReleaseState) {
        match e {
            Effect::Execute { phase, index } => self.execute(*phase, *index, st),
            Effect::Control {
                phase,
                index,
                control,
            } => {
                if let Some(s) = st.list(*phase).get(*index)
                    && let Some(h) = self.handles.get(&(*phase, s.id.clone()))
                {
                    h.control(*control);
                }
            }
            Effect::Cancel { phase, index } => {
                if let Some(s) = st.list(*phase).get(*index)
                    && let Some(h) = self.handles.get_mut(&(*phase, s.id.clone()))
                {
                    h.cancel();
                }
            }
            Effect::MeasureBaseline {
                step,
                gate,
                samples,
            } => super::baseline::start(self, st, step, gate, *samples),
            Effect::Journal(_) | Effect::Timer { .. } | Effect::Notify { .. } => {}
        }
    }

    /// The step definition for `phase`/`index`.
    pub fn step(&self, phase: Phase, index: usize) -> Option<&Step> {
        match phase {
            Phase::Main => self.resolved.runbook.steps.get(index),
            Phase::Rollback => self.resolved.runbook.rollback.steps.get(index),
        }
    }

    /// The template context as of now: resolved values, captures and the rollback target.
    pub fn context(&self, st: &ReleaseState) -> Context {
        let mut ctx = self.resolved.ctx.clone();
        ctx.captures.clone_from(&st.captures);
        ctx.rollback_version.clone_from(&st.rollback_target);
        ctx.baselines = super::baseline::values(&self.resolved.runbook, st);
        ctx
    }

    /// In the cockpit, with live Docker state: fail a Docker step at once, instead of
    /// performing `e`, when [`crate::watch::docker::DockerModel::check_service_actionable`]
    /// refuses its service (a stale, connecting or re-listing host). Whether it refused.
    pub fn refuse_stale_docker(
        &self,
        e: &Effect,
        model: &crate::model::docker::DockerModel,
    ) -> bool {
        let Effect::Execute { phase, index } = e else {
            return false;
        };
        let Some(step) = self.step(*phase, *index) else {
            return false;
        };
        match super::docker::check_live(step, model) {
            Ok(()) => false,
            Err(why) => {
                self.fail_now(*phase, &step.id, why);
                true
            }
        }
    }

    /// Report step `step` failed at once (it could not start).
    pub fn fail_now(&self, phase: Phase, step: &str, reason: String) {
        let _ = self.tx.send(Msg::Finished {
            phase,
            step: step.to_owned(),
            outcome: Outcome::Failed,
            exit_code: None,
            reason: Some(reason),
            duration_ms: 0,
            captures: std::collections::BTreeMap::new(),
        });
    }

    fn execute(&mut self, phase: Phase, index: usize, st: &ReleaseState) {
        let Some(step) = self.step(phase, index).cloned() else {
            return;
        };
        let ctx = self.context(st);
        match &step.kind {
            StepKind::Run { .. } => match self.run_spec(phase, &step, &ctx) {
                Ok(spec) => {
                    let h = command::spawn(spec, self.tx.clone());
                    self.handles.insert((phase, step.id.clone()), h);
                }
                Err(why) => self.fail_now(phase, &step.id, why),
            },
            StepKind::Gates { .. } => {
                let started = gates_step::start(phase, &step, self, ctx);
                self.launch(phase, &step, started);
            }
            StepKind::GitTag { .. } => {
                let started = git_tag::start(phase, &step, self, &ctx);
                self.launch(phase, &step, started);
            }
            StepKind::Notify { .. } => {
                let started = notify::start(phase, &step, self, &ctx);
                self.launch(phase, &step, started);
            }
            StepKind::Watch { .. } => {
                // The time the step has left by the core (a resumed background watch).
                let left = st
                    .list(phase)
                    .get(index)
                    .filter(|s| s.info.duration_ms.is_some() && s.started_at.is_some())
                    .map(|s| std::time::Duration::from_millis(s.watch_left_ms(chrono::Utc::now())));
                let started = super::watch::start(phase, &step, self, &ctx, left);
                self.launch(phase, &step, started);
            }
            StepKind::DockerDeploy { .. } => {
                let started = super::docker::deploy::start(phase, &step, self, &ctx);
                self.launch(phase, &step, started);
            }
            StepKind::DockerRollback { .. } => {
                let started = super::docker::rollback::start(phase, &step, self);
                self.launch(phase, &step, started);
            }
            other => self.fail_now(
                phase,
                &step.id,
                format!("step kind {} is not executable yet", other.name()),
            ),
        }
    }

    /// Keep the handle of a started executor, or fail the step that could not start.
    fn launch(&mut self, phase: Phase, step: &Step, started: Result<Option<Handle>, String>) {
        match started {
            Ok(Some(h)) => {
                self.handles.insert((phase, step.id.clone()), h);
            }
            Ok(None) => {}
            Err(why) => self.fail_now(phase, &step.id, why),
        }
    }

    /// The command of a `run` step, rendered.
    fn run_spec(
        &self,
        phase: Phase,
        step: &Step,
        ctx: &Context,
    ) -> std::result::Result<RunSpec, String> {
        let StepKind::Run {
            run,
            env,
            workdir,
            capture,
        } = &step.kind
        else {
            return Err(format!("step `{}` is not a run step", step.id));
        };
        let r = &self.resolved;
        let err = |e: template::RenderError| r.render_error(&e);
        let command = template::render_shell(run, ctx).map_err(err)?;
        let mut envs = Vec::new();
        for (k, v) in env {
            envs.push((k.clone(), template::render(v, ctx).map_err(err)?));
        }
        let workdir: PathBuf = match workdir {
            Some(w) => r.path(&template::render(w, ctx).map_err(err)?),
            None => r.runbook.dir.clone(),
        };
        let timeout = match &step.timeout {
            Some(d) => Some(template::render_duration(d, ctx).map_err(err)?),
            None => None,
        };
        // Show the command first, so the log says what ran.
        let _ = self.tx.send(Msg::Output {
            phase,
            step: step.id.clone(),
            stream: "command".into(),
            lines: vec![format!("$ {command}")],
        });
        Ok(RunSpec {
            phase,
            step: step.id.clone(),
            command,
            workdir,
            env: envs,
            timeout,
            grace: command::GRACE,
            captures: capture.clone(),
        })
    }
}

/// Report a finished step.
pub fn finish(
    tx: &mpsc::UnboundedSender<Msg>,
    phase: Phase,
    step: &str,
    started: Instant,
    result: Result<(), String>,
) {
    let (outcome, reason) = match result {
        Ok(()) => (Outcome::Succeeded, None),
        Err(why) => (Outcome::Failed, Some(why)),
    };
    let _ = tx.send(Msg::Finished {
        phase,
        step: step.to_owned(),
        outcome,
        exit_code: None,
        reason,
        duration_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        captures: std::collections::BTreeMap::new(),
    });
}
