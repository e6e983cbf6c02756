//! Default step titles, derived from the kind and its target when `title` is absent.

use crate::runbook::schema::{Dur, StepKind};

const MAX: usize = 50;

fn truncate(s: &str) -> String {
    let first = s
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or_default()
        .trim();
    let more = s.trim().lines().count() > 1;
    if first.chars().count() <= MAX && !more {
        return first.to_string();
    }
    let cut: String = first.chars().take(MAX - 1).collect();
    format!("{}…", cut.trim_end())
}

fn duration(d: &Dur) -> String {
    match d {
        Dur::Fixed(d) => humantime::format_duration(*d).to_string(),
        Dur::Template(t) => t.src.clone(),
    }
}

/// The part of an image reference after its tag separator: `repo/app:{{ version }}` gives
/// `{{ version }}`; an untagged image is returned whole.
fn image_target(image: &str) -> &str {
    let name_end = image.rfind('/').map_or(0, |i| i + 1);
    match image[name_end..].rfind(':') {
        Some(i) if !image[name_end + i + 1..].is_empty() => &image[name_end + i + 1..],
        _ => image,
    }
}

pub(crate) fn default_title(kind: &StepKind) -> String {
    match kind {
        StepKind::Manual { .. } => "Manual step".into(),
        StepKind::Approval { .. } => "Approval".into(),
        StepKind::Gates { gates, .. } => truncate(&format!("Gates: {}", gates.join(", "))),
        StepKind::Run { run, .. } => truncate(&format!("Run: {}", run.src.trim())),
        StepKind::GitTag { tag, .. } => truncate(&format!("Tag {}", tag.src)),
        StepKind::DockerDeploy { service, image, .. } => {
            truncate(&format!("Deploy {service} → {}", image_target(&image.src)))
        }
        StepKind::DockerRollback { service } => format!("Roll back {service}"),
        StepKind::Watch {
            duration: d,
            triggers,
            ..
        } => truncate(&format!("Watch {}: {}", duration(d), triggers.join(", "))),
        StepKind::Notify { .. } => "Notify".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runbook::schema::{DeployOrder, Tpl};
    use std::collections::BTreeMap;
    use std::time::Duration;

    fn run(cmd: &str) -> StepKind {
        StepKind::Run {
            run: Tpl::new(cmd, 0..1),
            env: BTreeMap::new(),
            workdir: None,
            capture: vec![],
        }
    }

    #[test]
    fn run_titles_are_truncated() {
        assert_eq!(
            default_title(&run("docker-compose up -d")),
            "Run: docker-compose up -d"
        );
        let long = default_title(&run(&"x".repeat(80)));
        assert_eq!(long.chars().count(), MAX);
        assert!(long.ends_with('…'));
        assert_eq!(
            default_title(&run("make build\nmake test")),
            "Run: make build…"
        );
    }

    #[test]
    fn titles_name_the_target() {
        let watch = StepKind::Watch {
            duration: Dur::Fixed(Duration::from_secs(900)),
            triggers: vec!["health".into(), "error-rate".into()],
            background: false,
        };
        assert_eq!(default_title(&watch), "Watch 15m: health, error-rate");
        let deploy = StepKind::DockerDeploy {
            service: "backend".into(),
            image: Tpl::new("registry:5000/acme/backend:{{ version }}", 0..1),
            wait_healthy: Dur::Fixed(Duration::from_secs(60)),
            health_url: None,
            order: DeployOrder::StopFirst,
            retain: 3,
            pull: false,
        };
        assert_eq!(default_title(&deploy), "Deploy backend → {{ version }}");
        let gates = StepKind::Gates {
            gates: vec!["health".into(), "db".into()],
            retry: None,
        };
        assert_eq!(default_title(&gates), "Gates: health, db");
        assert_eq!(image_target("registry:5000/app"), "registry:5000/app");
    }
}
