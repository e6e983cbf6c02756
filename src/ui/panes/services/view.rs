//! The services pane's rows as a plan: a header per host, then per service one summary row
//! across every host (or its only container inline), its containers when expanded, its
//! retained previous containers, and the release's targets. Counting and drawing share it.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use ratatui::text::{Line, Span};

use super::ServiceStyles;
use super::rows;
use crate::model::docker::fleet::{PREV, ServiceSummary, summarize};
use crate::model::docker::{ContainerInfo, DockerModel, HostView, RunState};
use crate::runbook::Service;

/// What the services pane shows: the live model, the runbook's services, which one is
/// selected (`▸`, its stats streams open) and which are expanded (`→`).
pub struct PaneView<'a> {
    model: &'a DockerModel,
    services: &'a [Service],
    targets: &'a [(String, String)],
    selected: Option<&'a str>,
    expanded: Option<&'a BTreeSet<String>>,
    now: DateTime<Utc>,
}

/// One row of the pane, before it is drawn.
enum Row<'a> {
    Host(&'a HostView),
    Summary {
        service: &'a str,
        summary: ServiceSummary,
        expanded: bool,
    },
    /// A container; `label` is its service (inline) or its host (expanded).
    Container {
        host: &'a HostView,
        c: &'a ContainerInfo,
        label: &'a str,
        selected: bool,
    },
    Stats(&'a crate::model::docker::ContainerStats),
    /// The folded selected service's summed CPU, memory, and how many containers.
    Summed(f64, u64, usize),
    Retained(Vec<&'a ContainerInfo>),
    Empty(&'a str),
    Target(&'a str, &'a str),
}

impl<'a> PaneView<'a> {
    /// Every service folded, no targets.
    pub fn new(
        model: &'a DockerModel,
        services: &'a [Service],
        selected: Option<usize>,
        now: DateTime<Utc>,
    ) -> Self {
        Self {
            model,
            services,
            targets: &[],
            selected: selected
                .and_then(|i| services.get(i))
                .map(|s| s.name.as_str()),
            expanded: None,
            now,
        }
    }

    /// The image each service's `docker-deploy` step deploys (service, image).
    #[must_use]
    pub fn targets(mut self, targets: &'a [(String, String)]) -> Self {
        self.targets = targets;
        self
    }

    /// The services shown expanded into their containers.
    #[must_use]
    pub fn expanded(mut self, expanded: &'a BTreeSet<String>) -> Self {
        self.expanded = Some(expanded);
        self
    }

    fn is_expanded(&self, service: &str) -> bool {
        self.expanded.is_some_and(|e| e.contains(service))
    }

    /// How many lines [`PaneView::lines`] gives.
    pub fn count(&self) -> usize {
        if self.services.is_empty() {
            return 1;
        }
        self.plan().len()
    }

    /// The lines, cut to `width` columns with `…`.
    pub fn lines(&self, width: u16, st: &ServiceStyles) -> Vec<Line<'static>> {
        let w = usize::from(width);
        if self.services.is_empty() {
            return vec![rows::fit(
                vec![Span::styled("no services configured", st.muted)],
                w,
            )];
        }
        let any_expanded = self.services.iter().any(|s| self.is_expanded(&s.name));
        let cols = rows::Columns::new(self.model, self.services, any_expanded);
        self.plan()
            .into_iter()
            .map(|r| rows::fit(self.draw(r, &cols, st), w))
            .collect()
    }

    fn draw(&self, row: Row<'_>, cols: &rows::Columns, st: &ServiceStyles) -> Vec<Span<'static>> {
        match row {
            Row::Host(h) => rows::host_header(h, st),
            Row::Summary {
                service,
                summary,
                expanded,
            } => {
                let selected = self.selected == Some(service);
                rows::summary_row(service, &summary, selected, expanded, cols, st)
            }
            Row::Container {
                host,
                c,
                label,
                selected,
            } => rows::container_row(host, c, label, selected, cols, self.now, st),
            Row::Stats(s) => rows::stats_row(s, cols, st),
            Row::Summed(cpu, mem, n) => rows::summed_stats_row(cpu, mem, n, cols, st),
            Row::Retained(list) => rows::retained_row(&list, cols, st),
            Row::Empty(service) => {
                rows::empty_service(service, self.selected == Some(service), cols, st)
            }
            Row::Target(service, image) => {
                let running: Vec<&str> = self
                    .model
                    .hosts
                    .iter()
                    .flat_map(|h| h.containers.values())
                    .filter(|c| c.services.iter().any(|s| s == service))
                    .filter(|c| !c.name.contains(PREV) && c.state == RunState::Running)
                    .map(|c| c.image.as_str())
                    .collect();
                rows::target_row(service, image, &running, cols, st)
            }
        }
    }

    fn plan(&self) -> Vec<Row<'a>> {
        let model = self.model;
        let mut out: Vec<Row<'a>> = model.hosts.iter().map(Row::Host).collect();
        for svc in self.services {
            let name = svc.name.as_str();
            let selected = self.selected == Some(name);
            let mut replicas = Vec::new();
            let mut retained: Vec<(&HostView, Vec<&ContainerInfo>)> = Vec::new();
            for h in &model.hosts {
                let mut prev = Vec::new();
                for c in h.sorted() {
                    if !c.services.iter().any(|s| s == name) {
                        continue;
                    }
                    if c.name.contains(PREV) {
                        prev.push(c);
                    } else {
                        replicas.push((h, c));
                    }
                }
                if !prev.is_empty() {
                    prev.sort_by_key(|c| std::cmp::Reverse(c.finished_at));
                    retained.push((h, prev));
                }
            }
            if replicas.is_empty() && retained.is_empty() {
                out.push(Row::Empty(name));
                continue;
            }
            let expanded = self.is_expanded(name);
            let inline = !expanded && replicas.len() == 1 && model.hosts.len() == 1;
            if !inline {
                let summary = summarize(model, name);
                let summed = summary.stats.filter(|_| selected && !expanded);
                out.push(Row::Summary {
                    service: name,
                    summary,
                    expanded,
                });
                if let Some((cpu, mem, n)) = summed {
                    out.push(Row::Summed(cpu, mem, n));
                }
            }
            if inline || expanded {
                for (h, c) in replicas {
                    let label = if inline { name } else { h.name.as_str() };
                    out.push(Row::Container {
                        host: h,
                        c,
                        label,
                        selected: inline && selected,
                    });
                    if selected && let Some(stats) = h.stats.get(&c.id) {
                        out.push(Row::Stats(stats));
                    }
                }
            }
            out.extend(retained.into_iter().map(|(_, list)| Row::Retained(list)));
        }
        out.extend(
            self.targets
                .iter()
                .map(|(s, i)| Row::Target(s.as_str(), i.as_str())),
        );
        out
    }
}
