//! The replacement's configuration: the old container's (env, labels, mounts, network mode,
//! restart policy, healthcheck, user) with the new image, which must be local or pulled.

use std::collections::HashMap;

use bollard::Docker;
use bollard::models::ContainerCreateBody;
use bollard::query_parameters::CreateImageOptions;
use futures::StreamExt;

use super::ops::Found;
use crate::watch::docker::describe;

/// The image must be local, or pulled when `pull` is set.
pub async fn ensure_image(docker: &Docker, image: &str, pull: bool) -> Result<(), String> {
    if docker.inspect_image(image).await.is_ok() {
        return Ok(());
    }
    if !pull {
        return Err(format!(
            "image {image} is not present on the host (set `pull = true` to pull it)"
        ));
    }
    let opts = CreateImageOptions {
        from_image: Some(image.to_owned()),
        ..Default::default()
    };
    let mut s = docker.create_image(Some(opts), None, None);
    while let Some(item) = s.next().await {
        item.map_err(|e| format!("pulling {image}: {}", describe(&e)))?;
    }
    docker
        .inspect_image(image)
        .await
        .map(|_| ())
        .map_err(|e| format!("image {image} after the pull: {}", describe(&e)))
}

/// The new container's configuration: the old one's, with the new image. Values that came
/// from the old image (env, labels, healthcheck) are left for the new image to provide.
pub async fn body_for(
    docker: &Docker,
    old: &Found,
    image: &str,
) -> Result<ContainerCreateBody, String> {
    let i = docker
        .inspect_container(&old.id, None)
        .await
        .map_err(|e| format!("inspecting {}: {}", old.name, describe(&e)))?;
    let cfg = i.config.unwrap_or_default();
    let base = match &i.image {
        Some(id) => docker.inspect_image(id).await.ok().and_then(|im| im.config),
        None => None,
    }
    .unwrap_or_default();
    let base_env = base.env.unwrap_or_default();
    let env: Vec<String> = cfg
        .env
        .unwrap_or_default()
        .into_iter()
        .filter(|e| !base_env.contains(e))
        .collect();
    let base_labels = base.labels.unwrap_or_default();
    let labels: HashMap<String, String> = cfg
        .labels
        .unwrap_or_default()
        .into_iter()
        .filter(|(k, v)| base_labels.get(k) != Some(v))
        .collect();
    let healthcheck = cfg
        .healthcheck
        .filter(|h| Some(h) != base.healthcheck.as_ref());
    Ok(ContainerCreateBody {
        image: Some(image.to_owned()),
        env: Some(env),
        labels: Some(labels),
        healthcheck,
        user: cfg.user.filter(|u| Some(u) != base.user.as_ref()),
        host_config: i.host_config,
        ..Default::default()
    })
}
