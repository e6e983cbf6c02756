//! Swarm services: `docker-deploy` is a service update to the new image, watched until its
//! tasks run (or fail) within `wait_healthy`; `docker-rollback` is the service's own rollback
//! to its previous spec.

use std::collections::HashMap;
use std::time::Duration;

use bollard::Docker;
use bollard::models::{ServiceUpdateStatusStateEnum, TaskState};
use bollard::query_parameters::{ListTasksOptions, UpdateServiceOptions};
use serde_json::json;
use tokio::sync::mpsc;

use super::deploy::DeploySpec;
use super::{Target, ops};
use crate::release::Msg;
use crate::runbook::duration::instant_after;
use crate::watch::docker::{Matchers, connect, describe};

/// How long a rollback waits for the service's tasks.
pub const ROLLBACK_WAIT: Duration = Duration::from_secs(60);

/// The Swarm service the step acts on, when the service is matched by `swarm_service`.
pub fn service_of(m: &Matchers) -> Option<String> {
    m.swarm_service()
}

/// The image a service's spec runs.
fn image_of(s: &bollard::models::Service) -> String {
    s.spec
        .as_ref()
        .and_then(|sp| sp.task_template.as_ref())
        .and_then(|t| t.container_spec.as_ref())
        .and_then(|c| c.image.clone())
        .unwrap_or_default()
}

/// Update `name` to `image` (or roll it back when `image` is `None`) and watch its tasks.
async fn update(
    docker: &Docker,
    name: &str,
    image: Option<&str>,
    within: Duration,
) -> Result<(String, String), String> {
    let svc = docker
        .inspect_service(name, None)
        .await
        .map_err(|e| format!("swarm service `{name}`: {}", describe(&e)))?;
    let from = image_of(&svc);
    let version = svc
        .version
        .as_ref()
        .and_then(|v| v.index)
        .unwrap_or_default();
    let mut spec = svc.spec.clone().unwrap_or_default();
    let mut opts = UpdateServiceOptions {
        version: i32::try_from(version).unwrap_or(i32::MAX),
        ..Default::default()
    };
    let to = if let Some(img) = image {
        if let Some(c) = spec
            .task_template
            .as_mut()
            .and_then(|t| t.container_spec.as_mut())
        {
            c.image = Some(img.to_owned());
        }
        img.to_owned()
    } else {
        opts.rollback = Some("previous".to_owned());
        String::new()
    };
    docker
        .update_service(name, spec, opts, None)
        .await
        .map_err(|e| format!("updating swarm service `{name}`: {}", describe(&e)))?;
    let to = if to.is_empty() {
        // A rollback: the daemon has put the previous spec back.
        let now = docker
            .inspect_service(name, None)
            .await
            .map_err(|e| describe(&e))?;
        image_of(&now)
    } else {
        to
    };
    if let Err(why) = watch(docker, name, &to, within).await {
        if image.is_none() {
            return Err(why);
        }
        // A failed update: put the service back on its previous spec.
        let back = Box::pin(update(docker, name, None, ROLLBACK_WAIT)).await;
        return Err(match back {
            Ok((_, prev)) => format!("{why}; the service was rolled back to {prev}"),
            Err(e) => format!("{why}; rolling the service back FAILED: {e}"),
        });
    }
    Ok((from, to))
}

/// Wait until every task meant to run runs `image`; a failed task or a paused/rolled-back
/// update fails.
async fn watch(docker: &Docker, name: &str, image: &str, within: Duration) -> Result<(), String> {
    let deadline = instant_after(tokio::time::Instant::now(), within);
    loop {
        let svc = docker
            .inspect_service(name, None)
            .await
            .map_err(|e| describe(&e))?;
        if let Some(st) = svc.update_status.as_ref() {
            use ServiceUpdateStatusStateEnum as S;
            if matches!(
                st.state,
                Some(S::PAUSED | S::ROLLBACK_STARTED | S::ROLLBACK_PAUSED | S::ROLLBACK_COMPLETED)
            ) && image_of(&svc) != image
            {
                return Err(format!(
                    "the update stopped: {}",
                    st.message.clone().unwrap_or_default()
                ));
            }
        }
        let f = HashMap::from([("service".to_owned(), vec![name.to_owned()])]);
        let tasks = docker
            .list_tasks(Some(ListTasksOptions { filters: Some(f) }))
            .await
            .map_err(|e| describe(&e))?;
        let mine = |t: &&bollard::models::Task| {
            t.spec
                .as_ref()
                .and_then(|s| s.container_spec.as_ref())
                .and_then(|c| c.image.as_deref())
                .is_some_and(|i| i == image || i.starts_with(&format!("{image}@")))
        };
        let wanted: Vec<_> = tasks
            .iter()
            .filter(|t| t.desired_state == Some(TaskState::RUNNING))
            .collect();
        if let Some(bad) = tasks.iter().filter(mine).find(|t| {
            matches!(
                t.status.as_ref().and_then(|s| s.state),
                Some(TaskState::FAILED | TaskState::REJECTED)
            )
        }) {
            let s = bad.status.clone().unwrap_or_default();
            return Err(format!(
                "a task of {image} failed: {} {}",
                s.message.unwrap_or_default(),
                s.err.unwrap_or_default()
            ));
        }
        let running = wanted
            .iter()
            .filter(|t| {
                mine(t) && t.status.as_ref().and_then(|s| s.state) == Some(TaskState::RUNNING)
            })
            .count();
        if !wanted.is_empty() && running == wanted.len() {
            return Ok(());
        }
        let last = format!("{running}/{} tasks run {image}", wanted.len());
        if tokio::time::Instant::now() >= deadline {
            return Err(format!("not running within {within:?} ({last})"));
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// `docker-deploy` on a Swarm service (on the first host, a manager).
pub async fn deploy(
    spec: &DeploySpec,
    name: &str,
    tx: &mpsc::UnboundedSender<Msg>,
) -> Result<(), String> {
    let t = &spec.target;
    let (host, docker) = manager(t).await?;
    if docker.inspect_image(&spec.image).await.is_err() && !spec.pull {
        return Err(format!(
            "image {} is not present on `{host}` (set `pull = true`); nothing was changed",
            spec.image
        ));
    }
    let r = update(&docker, name, Some(&spec.image), spec.wait_healthy).await;
    let (action, detail) = match &r {
        Ok((from, to)) => (
            "swarm-deploy",
            json!({"host": host, "swarm_service": name,
                   "from": ops::identity(&docker, from).await,
                   "to": ops::identity(&docker, to).await}),
        ),
        Err(why) => (
            "swarm-deploy-failed",
            json!({"host": host, "swarm_service": name, "to": {"image": spec.image}, "reason": why}),
        ),
    };
    t.record(tx, action, detail);
    r.map(|_| ())
}

/// `docker-rollback` on a Swarm service: its own rollback to the previous spec.
pub async fn rollback(
    t: &Target,
    name: &str,
    tx: &mpsc::UnboundedSender<Msg>,
) -> Result<(), String> {
    let (host, docker) = manager(t).await?;
    let (from, to) = update(&docker, name, None, ROLLBACK_WAIT).await?;
    t.record(
        tx,
        "swarm-rollback",
        json!({"host": host, "swarm_service": name,
               "from": ops::identity(&docker, &from).await,
               "to": ops::identity(&docker, &to).await}),
    );
    Ok(())
}

async fn manager(t: &Target) -> Result<(String, Docker), String> {
    let host = t.hosts.first().ok_or("no docker host")?;
    let d = connect(host).await.map_err(|e| {
        format!(
            "docker host `{}` is unreachable ({e}); nothing was changed",
            host.name
        )
    })?;
    Ok((host.name.clone(), d))
}
