//! `docker-rollback` on plain containers: stop and remove the current container, rename the
//! newest retained previous one (`<name>.prev-<tag>`) back to the original name and start it.
//! With nothing retained it fails and changes nothing.

use serde_json::json;
use tokio::sync::mpsc;

use super::{Target, ops};
use crate::exec::command::Handle;
use crate::exec::runtime::Runtime;
use crate::release::{Msg, Phase};
use crate::runbook::{Step, StepKind};
use crate::watch::docker::connect;

/// Resolve the rollback of `step` and start it.
pub fn start(phase: Phase, step: &Step, rt: &Runtime) -> Result<Option<Handle>, String> {
    let StepKind::DockerRollback { service } = &step.kind else {
        return Err(format!("step `{}` is not a docker-rollback step", step.id));
    };
    let t = Target::resolve(phase, &step.id, service, rt)?;
    let tx = rt.sender();
    Ok(Some(super::spawn(
        phase,
        step.id.clone(),
        tx.clone(),
        async move { run(&t, &tx).await },
    )))
}

/// Roll every current container of the service back, on every host.
pub async fn run(t: &Target, tx: &mpsc::UnboundedSender<Msg>) -> Result<(), String> {
    if let Some(name) = super::swarm::service_of(&t.matchers) {
        return super::swarm::rollback(t, &name, tx).await;
    }
    let mut plan = Vec::new();
    for host in &t.hosts {
        let docker = connect(host).await.map_err(|e| {
            format!(
                "docker host `{}` is unreachable ({e}); nothing was changed",
                host.name
            )
        })?;
        let found = ops::current(&docker, &t.matchers).await?;
        let mut pairs = Vec::new();
        for cur in found {
            let prev = ops::retained(&docker, &cur.name).await?;
            let Some(prev) = prev.into_iter().next() else {
                return Err(format!(
                    "host `{}`: {} has no retained previous container to roll back to; nothing was changed",
                    host.name, cur.name
                ));
            };
            pairs.push((cur, prev));
        }
        plan.push((host.name.clone(), docker, pairs));
    }
    if plan.iter().all(|(_, _, p)| p.is_empty()) {
        return Err(format!(
            "no container of service `{}` on any host; nothing to roll back",
            t.service
        ));
    }
    for (host, docker, pairs) in &plan {
        for (cur, prev) in pairs {
            t.say(
                tx,
                "docker",
                vec![format!(
                    "{host}: {} {} → {} ({})",
                    cur.name, cur.image, prev.image, prev.name
                )],
            );
            let from = ops::identity(docker, &cur.image).await;
            let to = ops::identity(docker, &prev.image).await;
            ops::stop(docker, &cur.id).await?;
            ops::remove(docker, &cur.id).await?;
            ops::rename(docker, &prev.id, &cur.name).await?;
            ops::start(docker, &prev.id).await?;
            t.record(
                tx,
                "rollback",
                json!({
                    "host": host, "service": t.service, "container": cur.name,
                    "from": from, "to": to, "restored_from": prev.name,
                }),
            );
        }
    }
    Ok(())
}
