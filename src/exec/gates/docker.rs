//! `docker` gates: the containers of a `[[services]]` entry, listed once on every host:
//! `healthy` (running, and healthy when the image has a healthcheck), `max_restarts`, and
//! `image_is_target` (the image tag is the release version). The value is the number of
//! matching containers. A stale host, or a service with no container, cannot pass. A wrong
//! image expects `tag <version>`.

use crate::watch::docker::{self, Health, RunState};

use super::{GateCx, GateOutcome};

/// The checks a `docker` gate asks for.
pub struct Checks {
    pub healthy: Option<bool>,
    pub max_restarts: Option<u32>,
    pub image_is_target: Option<bool>,
}

/// The tag of an image reference (`latest` without one; a registry port is not a tag).
fn tag(image: &str) -> &str {
    match image.rsplit_once(':') {
        Some((_, t)) if !t.contains('/') => t,
        _ => "latest",
    }
}

pub async fn evaluate(service: &str, checks: &Checks, cx: &GateCx) -> GateOutcome {
    let Some(def) = cx.services.iter().find(|s| s.name == service) else {
        return GateOutcome::error(format!("no [[services]] entry named `{service}`"));
    };
    let model = match docker::snapshot(&cx.docker_hosts, std::slice::from_ref(def)).await {
        Ok(m) => m,
        Err(e) => return GateOutcome::error(format!("cannot list containers: {e}")),
    };
    if let Err(why) = model.check_service_actionable(service) {
        return GateOutcome::error(why);
    }
    let found: Vec<_> = model
        .containers_of(service)
        .map(|(_, c)| c.clone())
        .collect();
    let n = found.len();
    if n == 0 {
        return GateOutcome::fail(
            serde_json::json!(0),
            format!("no container of service `{service}`"),
        );
    }
    let mut bad = Vec::new();
    let mut wrong_image = false;
    for c in &found {
        if checks.healthy == Some(true) {
            if c.state != RunState::Running {
                bad.push(format!("{} is {}", c.name, c.state.as_str()));
            } else if matches!(c.health, Health::Unhealthy | Health::Starting) {
                let h = if c.health == Health::Unhealthy {
                    "unhealthy"
                } else {
                    "starting"
                };
                bad.push(format!("{} is {h}", c.name));
            }
        }
        if let Some(max) = checks.max_restarts
            && c.restart_count > u64::from(max)
        {
            bad.push(format!(
                "{} restarted {} times (max {max})",
                c.name, c.restart_count
            ));
        }
        if checks.image_is_target == Some(true) {
            let v = &cx.ctx.version;
            let t = tag(&c.image);
            if t != v && t.strip_prefix('v') != Some(v.as_str()) {
                bad.push(format!("{} runs {} (target {v})", c.name, c.image));
                wrong_image = true;
            }
        }
    }
    let what = if n == 1 { "container" } else { "containers" };
    if bad.is_empty() {
        GateOutcome::pass(
            serde_json::json!(n),
            format!("{n} {what} of `{service}`: all checks pass"),
        )
    } else {
        let o = GateOutcome::fail(
            serde_json::json!(n),
            format!("{n} {what} of `{service}`: {}", bad.join("; ")),
        );
        if wrong_image {
            o.expecting(format!("tag {}", cx.ctx.version))
        } else {
            o
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_tag_of_an_image() {
        assert_eq!(super::tag("shop/web:1.4.2"), "1.4.2");
        assert_eq!(super::tag("registry:5000/shop/web:v2"), "v2");
        assert_eq!(super::tag("busybox"), "latest");
        assert_eq!(super::tag("registry:5000/shop/web"), "latest");
    }
}
