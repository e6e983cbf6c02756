//! Container operations shared by deploy and rollback: finding a service's containers and
//! its retained previous ones (`<name>.prev-<tag>`), image identities, and bounded calls.

use std::collections::HashMap;
use std::time::Duration;

use bollard::Docker;
use bollard::query_parameters::{
    ListContainersOptions, LogsOptions, RemoveContainerOptions, RenameContainerOptions,
    StopContainerOptions,
};
use futures::StreamExt;
use serde_json::{Value, json};

use crate::watch::docker::{Matchers, describe};

/// The mark in the name of a retained previous container.
pub const PREV: &str = ".prev-";
/// The mark in the name of a replacement not yet promoted.
pub const NEXT: &str = ".next-";
/// Seconds a container gets to stop before it is killed.
pub const STOP_GRACE: i32 = 10;

/// One container, as listed.
#[derive(Debug, Clone)]
pub struct Found {
    pub id: String,
    pub name: String,
    pub image: String,
    pub running: bool,
    pub finished_at: String,
}

fn err(what: &str, e: &bollard::errors::Error) -> String {
    format!("{what}: {}", describe(e))
}

/// Every container (running or not) on `docker`.
pub async fn all(docker: &Docker) -> Result<Vec<Found>, String> {
    let opts = ListContainersOptions {
        all: true,
        ..Default::default()
    };
    let list = docker
        .list_containers(Some(opts))
        .await
        .map_err(|e| err("listing containers", &e))?;
    Ok(list
        .into_iter()
        .map(|c| Found {
            id: c.id.unwrap_or_default(),
            name: c
                .names
                .and_then(|n| n.into_iter().next())
                .unwrap_or_default()
                .trim_start_matches('/')
                .to_owned(),
            image: c.image.unwrap_or_default(),
            running: c.state.is_some_and(|s| s.to_string() == "running"),
            finished_at: String::new(),
        })
        .collect())
}

/// The current containers of the service `matchers` holds (not retained or replacement ones).
pub async fn current(docker: &Docker, matchers: &Matchers) -> Result<Vec<Found>, String> {
    let opts = ListContainersOptions {
        all: true,
        ..Default::default()
    };
    let list = docker
        .list_containers(Some(opts))
        .await
        .map_err(|e| err("listing containers", &e))?;
    let mut out = Vec::new();
    for c in list {
        let name = c
            .names
            .as_ref()
            .and_then(|n| n.first())
            .map(|n| n.trim_start_matches('/').to_owned())
            .unwrap_or_default();
        let labels: HashMap<String, String> = c.labels.clone().unwrap_or_default();
        if name.contains(PREV) || name.contains(NEXT) {
            continue;
        }
        if matchers.services_for(&name, &labels).is_empty() {
            continue;
        }
        out.push(Found {
            id: c.id.unwrap_or_default(),
            name,
            image: c.image.unwrap_or_default(),
            running: c.state.is_some_and(|s| s.to_string() == "running"),
            finished_at: String::new(),
        });
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

/// The retained previous containers of `name`, newest (last stopped) first.
pub async fn retained(docker: &Docker, name: &str) -> Result<Vec<Found>, String> {
    let prefix = format!("{name}{PREV}");
    let mut out = Vec::new();
    for mut f in all(docker).await? {
        if !f.name.starts_with(&prefix) {
            continue;
        }
        if let Ok(i) = docker.inspect_container(&f.id, None).await {
            f.finished_at = i.state.and_then(|s| s.finished_at).unwrap_or_default();
            if let Some(img) = i.config.and_then(|c| c.image) {
                f.image = img;
            }
        }
        out.push(f);
    }
    // RFC 3339 times with the same zone sort as strings.
    out.sort_by(|a, b| b.finished_at.cmp(&a.finished_at));
    Ok(out)
}

/// The tag of an image reference (`repo:tag` → `tag`; untagged → `latest`); for a digest or
/// an image id, its first 12 hex digits.
pub fn tag_of(image: &str) -> String {
    let short = |d: &str| -> String {
        d.trim_start_matches("sha256:")
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .take(12)
            .collect()
    };
    if let Some((_, digest)) = image.split_once('@') {
        return short(digest);
    }
    if image.starts_with("sha256:") {
        return short(image);
    }
    let last = image.rsplit('/').next().unwrap_or(image);
    match last.split_once(':') {
        Some((_, t)) if !t.is_empty() => t.to_owned(),
        _ => "latest".to_owned(),
    }
}

/// An image's identity for the journal: its name, id and repo digests.
pub async fn identity(docker: &Docker, image: &str) -> Value {
    match docker.inspect_image(image).await {
        Ok(i) => json!({
            "image": image,
            "id": i.id,
            "digests": i.repo_digests.unwrap_or_default(),
        }),
        Err(_) => json!({ "image": image }),
    }
}

/// A name for the retained `name` that runs `image`, free on `docker`.
pub async fn prev_name(docker: &Docker, name: &str, image: &str) -> Result<String, String> {
    let base = format!("{name}{PREV}{}", tag_of(image));
    let taken: Vec<String> = all(docker).await?.into_iter().map(|f| f.name).collect();
    let mut cand = base.clone();
    let mut n = 2;
    while taken.contains(&cand) {
        cand = format!("{base}.{n}");
        n += 1;
    }
    Ok(cand)
}

pub async fn rename(docker: &Docker, id: &str, to: &str) -> Result<(), String> {
    let opts = RenameContainerOptions {
        name: to.to_owned(),
    };
    docker
        .rename_container(id, opts)
        .await
        .map_err(|e| err(&format!("renaming to {to}"), &e))
}

pub async fn stop(docker: &Docker, id: &str) -> Result<(), String> {
    let opts = StopContainerOptions {
        t: Some(STOP_GRACE),
        signal: None,
    };
    // The request outlives the grace period (the client's default timeout is shorter).
    let patient = docker.clone().with_timeout(Duration::from_secs(
        u64::from(STOP_GRACE.unsigned_abs()) + 20,
    ));
    match patient.stop_container(id, Some(opts)).await {
        // 304: already stopped.
        Ok(())
        | Err(bollard::errors::Error::DockerResponseServerError {
            status_code: 304, ..
        }) => Ok(()),
        Err(e) => Err(err("stopping", &e)),
    }
}

pub async fn start(docker: &Docker, id: &str) -> Result<(), String> {
    match docker.start_container(id, None).await {
        // 304: already started.
        Ok(())
        | Err(bollard::errors::Error::DockerResponseServerError {
            status_code: 304, ..
        }) => Ok(()),
        Err(e) => Err(err("starting", &e)),
    }
}

pub async fn remove(docker: &Docker, id: &str) -> Result<(), String> {
    let opts = RemoveContainerOptions {
        force: true,
        ..Default::default()
    };
    docker
        .remove_container(id, Some(opts))
        .await
        .map_err(|e| err("removing", &e))
}

/// The last `n` lines a container wrote (stdout and stderr), bounded in time.
pub async fn tail(docker: &Docker, id: &str, n: usize) -> Vec<String> {
    let opts = LogsOptions {
        stdout: true,
        stderr: true,
        tail: n.to_string(),
        ..Default::default()
    };
    let mut lines = Vec::new();
    let mut s = docker.logs(id, Some(opts));
    let read = async {
        while let Some(Ok(chunk)) = s.next().await {
            let text = String::from_utf8_lossy(&chunk.into_bytes()).into_owned();
            lines.extend(text.lines().map(str::to_owned));
        }
    };
    let _ = tokio::time::timeout(Duration::from_secs(5), read).await;
    let skip = lines.len().saturating_sub(n);
    lines.split_off(skip)
}
