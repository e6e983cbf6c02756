//! Which `[[services]]` a container belongs to: by label, by name glob (globset), or by
//! Swarm service (label `com.docker.swarm.service.name`).

use std::collections::HashMap;

use color_eyre::eyre::{Result, WrapErr};
use globset::{Glob, GlobMatcher};

use crate::runbook::{Service, ServiceMatch};

/// The label Swarm puts on a service's task containers.
pub const SWARM_SERVICE_LABEL: &str = "com.docker.swarm.service.name";

#[derive(Debug, Clone)]
enum Rule {
    Label { key: String, value: Option<String> },
    Name(GlobMatcher),
    Swarm(String),
}

/// The compiled matchers of every service, in runbook order.
#[derive(Debug, Clone, Default)]
pub struct Matchers {
    rules: Vec<(String, Rule)>,
}

impl Matchers {
    /// Compile every service's matcher; a bad glob is an error naming the service.
    pub fn new(services: &[Service]) -> Result<Self> {
        let mut rules = Vec::with_capacity(services.len());
        for s in services {
            let rule = match &s.matcher {
                ServiceMatch::Label { key, value } => Rule::Label {
                    key: key.clone(),
                    value: value.clone(),
                },
                ServiceMatch::Name(glob) => Rule::Name(
                    Glob::new(glob)
                        .wrap_err_with(|| format!("service `{}`: bad name glob `{glob}`", s.name))?
                        .compile_matcher(),
                ),
                ServiceMatch::SwarmService(name) => Rule::Swarm(name.clone()),
            };
            rules.push((s.name.clone(), rule));
        }
        Ok(Self { rules })
    }

    /// Whether no service is configured.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// The services a container (`name` without the leading `/`) belongs to.
    pub fn services_for(&self, name: &str, labels: &HashMap<String, String>) -> Vec<String> {
        let name = name.strip_prefix('/').unwrap_or(name);
        self.rules
            .iter()
            .filter(|(_, rule)| match rule {
                Rule::Label { key, value } => match (labels.get(key), value) {
                    (Some(have), Some(want)) => have == want,
                    (Some(_), None) => true,
                    (None, _) => false,
                },
                Rule::Name(glob) => glob.is_match(name),
                Rule::Swarm(svc) => labels.get(SWARM_SERVICE_LABEL) == Some(svc),
            })
            .map(|(service, _)| service.clone())
            .collect()
    }
}

impl Matchers {
    /// The Swarm service of the first service matched by `swarm_service`, if any.
    pub fn swarm_service(&self) -> Option<String> {
        self.rules.iter().find_map(|(_, r)| match r {
            Rule::Swarm(s) => Some(s.clone()),
            _ => None,
        })
    }
}
