//! `docker-deploy` on plain containers: every current container of the service, on every
//! host, is replaced by one created from the same configuration with the new image. The old
//! one is kept stopped as `<name>.prev-<old tag>` (the newest `retain` are kept); a failed
//! replacement is removed and the old container restored, exactly as it was.

use std::fmt::Write as _;
use std::time::Duration;

use bollard::Docker;
use bollard::query_parameters::CreateContainerOptions;
use serde_json::json;
use tokio::sync::mpsc;

use super::ops::{self, Found};
use super::{Target, config, health};
use crate::exec::command::Handle;
use crate::exec::runtime::Runtime;
use crate::release::{Msg, Phase};
use crate::runbook::template::{self, Context};
use crate::runbook::{DeployOrder, Step, StepKind};
use crate::watch::docker::{connect, describe};

/// Lines of the failed container's log kept for the journal and the log pane.
pub const LOG_LINES: usize = 20;

/// What one deploy does.
#[derive(Debug, Clone)]
pub struct DeploySpec {
    pub target: Target,
    pub image: String,
    pub wait_healthy: Duration,
    pub health_url: Option<String>,
    pub order: DeployOrder,
    pub retain: u32,
    pub pull: bool,
}

/// Resolve the deploy of `step` and start it.
pub fn start(
    phase: Phase,
    step: &Step,
    rt: &Runtime,
    ctx: &Context,
) -> Result<Option<Handle>, String> {
    let StepKind::DockerDeploy {
        service,
        image,
        wait_healthy,
        health_url,
        order,
        retain,
        pull,
    } = &step.kind
    else {
        return Err(format!("step `{}` is not a docker-deploy step", step.id));
    };
    let r = &rt.resolved;
    let err = |e: template::RenderError| r.render_error(&e);
    let spec = DeploySpec {
        target: Target::resolve(phase, &step.id, service, rt)?,
        image: template::render(image, ctx).map_err(err)?,
        wait_healthy: template::render_duration(wait_healthy, ctx).map_err(err)?,
        health_url: health_url
            .as_ref()
            .map(|u| template::render(u, ctx).map_err(err))
            .transpose()?,
        order: *order,
        retain: *retain,
        pull: *pull,
    };
    let tx = rt.sender();
    Ok(Some(super::spawn(
        phase,
        step.id.clone(),
        tx.clone(),
        async move { run(&spec, &tx).await },
    )))
}

/// The whole deploy: check every host first (reachable, image present), then replace.
pub async fn run(spec: &DeploySpec, tx: &mpsc::UnboundedSender<Msg>) -> Result<(), String> {
    let t = &spec.target;
    if let Some(swarm) = super::swarm::service_of(&t.matchers) {
        return super::swarm::deploy(spec, &swarm, tx).await;
    }
    let mut plan = Vec::new();
    for host in &t.hosts {
        let docker = connect(host).await.map_err(|e| {
            format!("docker host `{}` is unreachable ({e}); its state is unknown, so nothing was changed", host.name)
        })?;
        config::ensure_image(&docker, &spec.image, spec.pull)
            .await
            .map_err(|e| format!("host `{}`: {e}; nothing was stopped", host.name))?;
        let found = ops::current(&docker, &t.matchers).await?;
        plan.push((host.name.clone(), docker, found));
    }
    if plan.iter().all(|(_, _, f)| f.is_empty()) {
        return Err(format!(
            "no container of service `{}` on any host; nothing to deploy to",
            t.service
        ));
    }
    let mut done = Vec::new();
    for (host, docker, found) in &plan {
        for old in found {
            t.say(
                tx,
                "docker",
                vec![format!(
                    "{host}: {} {} → {}",
                    old.name, old.image, spec.image
                )],
            );
            match replace(spec, host, docker, old, tx).await {
                Ok(new) => done.push((host.as_str(), docker, old, new)),
                Err(why) => return Err(undo(spec, &done, tx, why).await),
            }
        }
    }
    // Only once every replacement is healthy are the oldest retained containers removed.
    for (host, docker, old, _) in &done {
        prune(spec, host, docker, &old.name, tx).await;
    }
    Ok(())
}

/// Put back the containers already replaced on other hosts (newest first), so that a
/// failed deploy leaves the whole service as it was; `why` gains what could not be undone.
async fn undo(
    spec: &DeploySpec,
    done: &[(&str, &Docker, &Found, String)],
    tx: &mpsc::UnboundedSender<Msg>,
    why: String,
) -> String {
    let mut why = why;
    for (host, docker, old, new) in done.iter().rev() {
        let r = async {
            ops::stop(docker, new).await?;
            ops::remove(docker, new).await?;
            ops::rename(docker, &old.id, &old.name).await?;
            if old.running {
                ops::start(docker, &old.id).await?;
            }
            Ok::<(), String>(())
        }
        .await;
        spec.target.record(
            tx,
            "deploy-undone",
            json!({
                "host": host, "service": spec.target.service, "container": old.name,
                "back_to": {"image": old.image},
                "result": r.as_ref().err().cloned().unwrap_or_else(|| "restored".into()),
            }),
        );
        match r {
            Ok(()) => {
                let _ = write!(why, "; {host}: {} restored on {}", old.name, old.image);
            }
            Err(e) => {
                let _ = write!(why, "; {host}: restoring {} FAILED: {e}", old.name);
            }
        }
    }
    why
}

/// Replace one container (returning the new one's id); on failure restore it and return why.
async fn replace(
    spec: &DeploySpec,
    host: &str,
    docker: &Docker,
    old: &Found,
    tx: &mpsc::UnboundedSender<Msg>,
) -> Result<String, String> {
    let t = &spec.target;
    let body = config::body_for(docker, old, &spec.image).await?;
    let next = format!("{}{}{}", old.name, ops::NEXT, ops::tag_of(&spec.image));
    // A replacement left over by an interrupted deploy was never promoted: remove it.
    if let Ok(stale) = docker.inspect_container(&next, None).await
        && let Some(id) = stale.id
    {
        ops::remove(docker, &id).await?;
    }
    let opts = CreateContainerOptions {
        name: Some(next.clone()),
        ..Default::default()
    };
    let new = docker
        .create_container(Some(opts), body)
        .await
        .map_err(|e| format!("creating {next}: {}", describe(&e)))?
        .id;
    let prev = ops::prev_name(docker, &old.name, &old.image).await?;
    let stop_first = spec.order == DeployOrder::StopFirst;
    let swapped = async {
        if stop_first {
            ops::stop(docker, &old.id).await?;
            ops::rename(docker, &old.id, &prev).await?;
            ops::rename(docker, &new, &old.name).await?;
        }
        ops::start(docker, &new).await?;
        let how = health::wait(docker, &new, spec.wait_healthy, spec.health_url.as_deref()).await?;
        if !stop_first {
            ops::stop(docker, &old.id).await?;
            ops::rename(docker, &old.id, &prev).await?;
            ops::rename(docker, &new, &old.name).await?;
        }
        Ok::<String, String>(how)
    }
    .await;
    let from = ops::identity(docker, &old.image).await;
    let to = ops::identity(docker, &spec.image).await;
    match swapped {
        Ok(how) => {
            t.record(
                tx,
                "deploy",
                json!({
                    "host": host, "service": t.service, "container": old.name,
                    "from": from, "to": to, "retained_as": prev, "health": how,
                }),
            );
            Ok(new)
        }
        Err(why) => {
            let logs = ops::tail(docker, &new, LOG_LINES).await;
            if !logs.is_empty() {
                t.say(tx, "container", logs.clone());
            }
            let _ = ops::remove(docker, &new).await;
            // Put the old container back under its name, running as before.
            let restored = async {
                let now = docker
                    .inspect_container(&old.id, None)
                    .await
                    .map_err(|e| describe(&e))?;
                if now.name.as_deref().map(|n| n.trim_start_matches('/')) != Some(old.name.as_str())
                {
                    ops::rename(docker, &old.id, &old.name).await?;
                }
                if old.running {
                    ops::start(docker, &old.id).await?;
                }
                Ok::<(), String>(())
            }
            .await;
            t.record(tx, "deploy-failed", json!({
                "host": host, "service": t.service, "container": old.name,
                "from": from, "to": to, "reason": why, "logs": logs,
                "restored": restored.as_ref().map_or_else(|e| format!("NOT restored: {e}"), |()| "yes".into()),
            }));
            let after = match restored {
                Err(e) => format!("restoring the old container failed: {e}"),
                Ok(()) => format!("{} restored on {}", old.name, old.image),
            };
            Err(format!(
                "{host}: deploying {} to {}: {why}; {after}",
                old.name, spec.image
            ))
        }
    }
}

/// Keep the newest `retain` previous containers of `name`; remove the older ones.
async fn prune(
    spec: &DeploySpec,
    host: &str,
    docker: &Docker,
    name: &str,
    tx: &mpsc::UnboundedSender<Msg>,
) {
    let Ok(list) = ops::retained(docker, name).await else {
        return;
    };
    let keep = usize::try_from(spec.retain).unwrap_or(usize::MAX);
    for f in list.into_iter().skip(keep) {
        let ok = ops::remove(docker, &f.id).await;
        spec.target.record(
            tx,
            "prune",
            json!({
                "host": host, "container": f.name, "image": f.image,
                "result": ok.err().unwrap_or_else(|| "removed".into()),
            }),
        );
    }
}
