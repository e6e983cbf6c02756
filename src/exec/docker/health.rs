//! Waiting for a new container to be healthy, bounded by `wait_healthy`: Docker's own
//! healthcheck when the container has one, else `health_url` answering 2xx, else "still
//! running" when the time is up. A container that exits fails at once.

use std::time::Duration;

use bollard::Docker;
use bollard::models::HealthStatusEnum;

use crate::runbook::duration::instant_after;

/// How often the container is looked at.
const POLL: Duration = Duration::from_millis(500);

/// Wait until the container `id` is healthy; `Err` says why it is not.
pub async fn wait(
    docker: &Docker,
    id: &str,
    within: Duration,
    health_url: Option<&str>,
) -> Result<String, String> {
    let deadline = instant_after(tokio::time::Instant::now(), within);
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(2))
        .build()
        .map_err(|e| format!("an HTTP client: {e}"))?;
    let mut last = String::from("not checked yet");
    loop {
        let i = docker
            .inspect_container(id, None)
            .await
            .map_err(|e| format!("inspecting the new container: {e}"))?;
        let state = i.state.unwrap_or_default();
        if state.running != Some(true) {
            return Err(format!(
                "the new container is not running (exit code {})",
                state.exit_code.unwrap_or_default()
            ));
        }
        let has_check = i
            .config
            .and_then(|c| c.healthcheck)
            .and_then(|h| h.test)
            .is_some_and(|t| t.first().is_some_and(|s| s != "NONE"));
        if has_check {
            match state.health.and_then(|h| h.status) {
                Some(HealthStatusEnum::HEALTHY) => return Ok("healthy (docker healthcheck)".into()),
                Some(HealthStatusEnum::UNHEALTHY) => {
                    return Err("the new container is unhealthy (docker healthcheck)".into());
                }
                other => {
                    let status = other.map_or("none".into(), |s| s.to_string());
                    last = format!("health {status}");
                }
            }
        } else if let Some(url) = health_url {
            match http.get(url).send().await {
                Ok(r) if r.status().is_success() => {
                    return Ok(format!("{url} answered {}", r.status()));
                }
                Ok(r) => last = format!("{url} answered {}", r.status()),
                Err(e) => last = format!("{url}: {e}"),
            }
        }
        if tokio::time::Instant::now() + POLL > deadline {
            break;
        }
        tokio::time::sleep(POLL).await;
    }
    if health_url.is_none() && last == "not checked yet" {
        return Ok(format!("still running after {within:?}"));
    }
    Err(format!("not healthy within {within:?} ({last})"))
}
