//! Listing a host once: every container (running or not) that matches a service, inspected
//! for its health, start time and restart count. Also the one-shot [`snapshot`] of every host
//! that `flightdeck status` uses (no streams).

use bollard::Docker;
use bollard::errors::Error as BollardError;
use bollard::query_parameters::{InspectContainerOptions, ListContainersOptions};
use chrono::Utc;
use color_eyre::eyre::Result;

use super::connect::{api_version, connect, describe};
use super::convert::{container_info, summary_info};
use super::matcher::Matchers;
use crate::model::docker::ContainerInfo;
use crate::model::docker::DockerModel;
use crate::model::docker::DockerMsg;
use crate::runbook::{DockerHost, Service};

/// Whether an error is Docker's "no such container" (it went away meanwhile).
pub fn is_not_found(e: &BollardError) -> bool {
    matches!(
        e,
        BollardError::DockerResponseServerError {
            status_code: 404,
            ..
        }
    )
}

/// Inspect one container: `Ok(None)` when it is gone or matches no service.
pub async fn inspect(
    docker: &Docker,
    id: &str,
    matchers: &Matchers,
) -> Result<Option<ContainerInfo>, String> {
    match docker
        .inspect_container(id, None::<InspectContainerOptions>)
        .await
    {
        Ok(c) => Ok(container_info(&c, matchers)),
        Err(e) if is_not_found(&e) => Ok(None),
        Err(e) => Err(describe(&e)),
    }
}

/// Every matching container of the host, sorted by name.
pub async fn list(docker: &Docker, matchers: &Matchers) -> Result<Vec<ContainerInfo>, String> {
    let first = list_summaries(docker, matchers).await?;
    inspect_all(docker, matchers, &first).await
}

/// The host's matching containers as `docker ps` lists them (one request; see
/// [`summary_info`]), sorted by name: shown at once, then replaced by [`inspect_all`].
pub async fn list_summaries(
    docker: &Docker,
    matchers: &Matchers,
) -> Result<Vec<ContainerInfo>, String> {
    if matchers.is_empty() {
        // Still a request, so that an unreachable daemon is noticed.
        docker.ping().await.map_err(|e| describe(&e))?;
        return Ok(Vec::new());
    }
    let summaries = docker
        .list_containers(Some(ListContainersOptions {
            all: true,
            ..Default::default()
        }))
        .await
        .map_err(|e| describe(&e))?;
    let mut out: Vec<ContainerInfo> = summaries
        .iter()
        .filter_map(|s| summary_info(s, matchers))
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

/// Inspect every container of a listing, concurrently: the full view, sorted by name
/// (containers gone meanwhile are left out).
pub async fn inspect_all(
    docker: &Docker,
    matchers: &Matchers,
    listed: &[ContainerInfo],
) -> Result<Vec<ContainerInfo>, String> {
    let found = futures::future::try_join_all(
        listed
            .iter()
            .map(|c| async move { inspect(docker, &c.id, matchers).await }),
    )
    .await?;
    let mut out: Vec<ContainerInfo> = found.into_iter().flatten().collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

/// Connect to every host once and list it, without streaming: hosts that cannot be reached
/// are [`HostStatus::Unreachable`](super::HostStatus::Unreachable) in the result. An error only for a
/// bad service matcher.
pub async fn snapshot(hosts: &[DockerHost], services: &[Service]) -> Result<DockerModel> {
    let matchers = Matchers::new(services)?;
    let mut model = DockerModel::new(hosts);
    let results = futures::future::join_all(hosts.iter().map(|h| {
        let matchers = &matchers;
        async move {
            let docker = connect(h).await?;
            let containers = list(&docker, matchers).await?;
            Ok::<_, String>((api_version(&docker), containers))
        }
    }))
    .await;
    for (h, r) in hosts.iter().zip(results) {
        let at = Utc::now();
        let host = h.name.clone();
        match r {
            Ok((api, containers)) => {
                model.apply(DockerMsg::HostUp {
                    host: host.clone(),
                    at,
                    api,
                    down_since: None,
                });
                model.apply(DockerMsg::Snapshot {
                    host,
                    at,
                    containers,
                });
            }
            Err(reason) => {
                model.apply(DockerMsg::HostDown { host, at, reason });
            }
        }
    }
    Ok(model)
}
