//! The services pane's rows: a host header, a service's summary row, a container row, a
//! stats row, an empty service; column widths shared by every row, and cutting a row to the
//! pane's width.

use chrono::{DateTime, Utc};
use ratatui::style::Style;
use ratatui::text::{Line, Span};

use super::ServiceStyles;
use crate::model::docker::{
    ContainerInfo, ContainerStats, DockerModel, Health, HostStatus, HostView, RunState,
    ServiceSummary,
};
use crate::runbook::Service;
use crate::ui::text::{CUT, age, ellipsize, fit as fit_str, width};

const SERVICE_MAX: usize = 16;
const NAME_MAX: usize = 24;
const DIGEST_LEN: usize = 12;

/// Column widths shared by every row.
pub struct Columns {
    service: usize,
    name: usize,
}

impl Columns {
    /// Widths for `services`; with `hosts_as_labels` (a service is expanded, its container
    /// rows are labelled with their host) the first column fits the host names too.
    pub fn new(model: &DockerModel, services: &[Service], hosts_as_labels: bool) -> Self {
        let mut service = services.iter().map(|s| width(&s.name)).max().unwrap_or(0);
        if hosts_as_labels {
            service = service.max(
                model
                    .hosts
                    .iter()
                    .map(|h| width(&h.name))
                    .max()
                    .unwrap_or(0),
            );
        }
        let name = model
            .hosts
            .iter()
            .flat_map(|h| h.containers.values())
            .map(|c| width(&c.name))
            .max()
            .unwrap_or(0);
        Self {
            service: service.min(SERVICE_MAX),
            name: name.min(NAME_MAX),
        }
    }
}

/// `s` cut or padded to exactly `w` columns.
fn pad(s: &str, w: usize) -> String {
    let s = ellipsize(s, w);
    let fill = w.saturating_sub(width(&s));
    format!("{s}{}", " ".repeat(fill))
}

/// The spans cut to `w` columns, the last shown column being `…` when cut.
pub fn fit(spans: Vec<Span<'static>>, w: usize) -> Line<'static> {
    let total: usize = spans.iter().map(|s| width(&s.content)).sum();
    if total <= w {
        return Line::from(spans);
    }
    let mut out = Vec::new();
    let mut left = w.saturating_sub(1);
    let mut last_style = Style::default();
    for s in spans {
        if left == 0 {
            break;
        }
        let (end, _) = fit_str(&s.content, left);
        left -= width(&s.content[..end]);
        last_style = s.style;
        out.push(Span::styled(s.content[..end].to_owned(), s.style));
    }
    if w > 0 {
        out.push(Span::styled(CUT, last_style));
    }
    Line::from(out)
}

fn hms(t: DateTime<Utc>) -> String {
    t.format("%H:%M:%S").to_string()
}

pub fn host_header(h: &HostView, st: &ServiceStyles) -> Vec<Span<'static>> {
    let n = h.containers.len();
    let (mark, style, status) = match &h.status {
        HostStatus::Connecting => ("…", st.warn, "connecting".to_owned()),
        HostStatus::Live { api } => {
            let api = if api.is_empty() {
                String::new()
            } else {
                format!(" · API {api}")
            };
            let plural = if n == 1 { "" } else { "s" };
            ("●", st.ok, format!("live{api} · {n} container{plural}"))
        }
        // Without a time it went stale, this is the first connection, not a reconnection.
        HostStatus::Relisting { stale_since, .. } => match stale_since {
            None => ("…", st.warn, "connected, listing".to_owned()),
            Some(t) => (
                "↻",
                st.warn,
                format!("reconnected, re-listing · STALE since {}", hms(*t)),
            ),
        },
        HostStatus::Stale { since, reason } => (
            "✖",
            st.stale,
            format!("STALE since {} · {reason}", hms(*since)),
        ),
        HostStatus::Unreachable { reason, .. } => {
            let what = if h.url.starts_with("unix://") {
                "unreachable"
            } else {
                "remote unreachable"
            };
            ("✖", st.stale, format!("{what}: {reason}"))
        }
    };
    vec![
        Span::styled(format!("{mark} "), style),
        Span::styled(h.name.clone(), st.accent),
        Span::styled(format!("  {status}"), style),
    ]
}

fn service_cell(
    name: &str,
    selected: bool,
    cols: &Columns,
    st: &ServiceStyles,
) -> Vec<Span<'static>> {
    let (mark, style) = if selected {
        ("▸", st.accent)
    } else {
        (" ", st.muted)
    };
    vec![
        Span::raw(" "),
        Span::styled(mark, st.accent),
        Span::styled(pad(name, cols.service), style),
        Span::raw(" "),
    ]
}

fn state_cell(c: &ContainerInfo, st: &ServiceStyles) -> (&'static str, String, Style) {
    match c.state {
        RunState::Running => ("●", "running".to_owned(), st.ok),
        RunState::Paused => ("‖", "paused".to_owned(), st.warn),
        RunState::Restarting => ("↻", "restarting".to_owned(), st.warn),
        RunState::Created => ("○", "created".to_owned(), st.muted),
        RunState::Removing => ("…", "removing".to_owned(), st.muted),
        RunState::Exited => match c.exit_code {
            Some(0) | None => ("■", "exited 0".to_owned(), st.muted),
            Some(code) => ("■", format!("exited {code}"), st.fail),
        },
        RunState::Dead => ("✖", "dead".to_owned(), st.fail),
        RunState::Unknown => ("?", "unknown".to_owned(), st.warn),
    }
}

fn health_cell(h: Health, st: &ServiceStyles) -> (&'static str, Style) {
    match h {
        Health::Healthy => ("✔ healthy", st.ok),
        Health::Unhealthy => ("✖ unhealthy", st.fail),
        Health::Starting => ("… starting", st.warn),
        Health::None => ("– none", st.muted),
    }
}

fn uptime(c: &ContainerInfo, now: DateTime<Utc>) -> String {
    let since = |t: Option<DateTime<Utc>>| t.map(|t| age((now - t).num_seconds()));
    match c.state {
        RunState::Running | RunState::Paused => {
            since(c.started_at).map_or_else(|| "up".to_owned(), |a| format!("up {a}"))
        }
        RunState::Created => "never up".to_owned(),
        _ => since(c.finished_at).map_or_else(|| "down".to_owned(), |a| format!("down {a}")),
    }
}

fn image(c: &ContainerInfo) -> String {
    let digest: String = c.image_digest.chars().take(DIGEST_LEN).collect();
    if c.image.is_empty() || c.image.starts_with("sha256:") {
        digest
    } else if digest.is_empty() {
        c.image.clone()
    } else {
        format!("{}@{digest}", c.image)
    }
}

pub fn container_row(
    host: &HostView,
    c: &ContainerInfo,
    service: &str,
    selected: bool,
    cols: &Columns,
    now: DateTime<Utc>,
    st: &ServiceStyles,
) -> Vec<Span<'static>> {
    let mut row = service_cell(service, selected, cols, st);
    let (mark, state, state_style) = state_cell(c, st);
    let (health, health_style) = health_cell(c.health, st);
    if let Some(since) = host.status.stale_since() {
        row.push(Span::styled(
            format!("? {} ", pad(&c.name, cols.name)),
            st.stale,
        ));
        row.push(Span::styled(
            format!("STALE since {}", hms(since)),
            st.stale,
        ));
        row.push(Span::styled(format!(" · last {state} {health}"), st.muted));
        return row;
    }
    let restarts = if c.restart_count > 0 {
        st.warn
    } else {
        st.muted
    };
    row.extend([
        Span::styled(format!("{mark} "), state_style),
        Span::raw(format!("{} ", pad(&c.name, cols.name))),
        Span::styled(format!("{state:<10} "), state_style),
        Span::styled(format!("{health:<11} "), health_style),
        Span::styled(format!("{:<8} ", uptime(c, now)), st.muted),
        Span::styled(format!("↺{:<2} ", c.restart_count), restarts),
        Span::styled(image(c), st.muted),
    ]);
    row
}

fn bytes(n: u64) -> String {
    #[allow(clippy::cast_precision_loss, reason = "display only")]
    let f = n as f64;
    if f >= 1024.0 * 1024.0 * 1024.0 {
        format!("{:.1} GiB", f / (1024.0 * 1024.0 * 1024.0))
    } else if f >= 1024.0 * 1024.0 {
        format!("{:.1} MiB", f / (1024.0 * 1024.0))
    } else {
        format!("{:.1} KiB", f / 1024.0)
    }
}

/// One service across its hosts, compact enough for a narrow pane: a state mark,
/// `running/total`, `✔` healthy (`✔–` when no container has a health check), `↻` restarting, `✖` unhealthy and `?` STALE counts when
/// there are any, the hosts and the images (without their registry). `+` says `→` expands
/// it, `−` that `←` folds it.
pub fn summary_row(
    service: &str,
    s: &ServiceSummary,
    selected: bool,
    expanded: bool,
    cols: &Columns,
    st: &ServiceStyles,
) -> Vec<Span<'static>> {
    let mut row = service_cell(service, selected, cols, st);
    let (mark, style) = if s.stale > 0 {
        ("?", st.stale)
    } else if s.unhealthy > 0 || (s.total > 0 && s.running == 0) {
        ("✖", st.fail)
    } else if !s.all_running() || s.restarting > 0 {
        ("◐", st.warn)
    } else {
        ("●", st.ok)
    };
    let fold = if expanded { "− " } else { "+ " };
    row.push(Span::styled(fold, st.accent));
    let count = format!("{}/{}", s.running, s.total);
    row.push(Span::styled(format!("{mark} {count:<5} "), style));
    if s.checked > 0 {
        let healthy = if s.healthy > 0 { st.ok } else { st.muted };
        row.push(Span::styled(format!("✔{} ", s.healthy), healthy));
    } else {
        // No container has a health check: nothing to count.
        row.push(Span::styled("✔– ", st.muted));
    }
    let restarting = if s.restarting > 0 { st.warn } else { st.muted };
    row.push(Span::styled(format!("↻{} ", s.restarting), restarting));
    if s.unhealthy > 0 {
        row.push(Span::styled(format!("✖{} ", s.unhealthy), st.fail));
    }
    if s.stale > 0 {
        row.push(Span::styled(format!("?{} STALE ", s.stale), st.stale));
    }
    let hosts: Vec<String> = s
        .hosts
        .iter()
        .map(|(h, stale)| {
            if *stale {
                format!("{h}(STALE)")
            } else {
                h.clone()
            }
        })
        .collect();
    row.push(Span::styled(hosts.join(","), st.accent));
    let short = |i: &str| i.rsplit('/').next().unwrap_or(i).to_owned();
    let images: Vec<String> = match s.images.as_slice() {
        [(only, _)] => vec![short(only)],
        many => many
            .iter()
            .map(|(i, n)| format!("{}×{n}", short(i)))
            .collect(),
    };
    row.push(Span::styled(format!(" {}", images.join(" ")), st.muted));
    row
}

/// The selected service's CPU and memory, summed over its containers with a sample, under
/// its folded row.
pub fn summed_stats_row(
    cpu: f64,
    mem: u64,
    n: usize,
    cols: &Columns,
    st: &ServiceStyles,
) -> Vec<Span<'static>> {
    let indent = " ".repeat(2 + cols.service + 1 + 2);
    let plural = if n == 1 { "" } else { "s" };
    vec![Span::styled(
        format!(
            "{indent}Σ cpu {cpu:.1}%  mem {} · {n} container{plural}",
            bytes(mem)
        ),
        st.muted,
    )]
}

pub fn stats_row(s: &ContainerStats, cols: &Columns, st: &ServiceStyles) -> Vec<Span<'static>> {
    let indent = " ".repeat(2 + cols.service + 1 + 2);
    let limit = if s.mem_limit > 0 {
        format!(" / {}", bytes(s.mem_limit))
    } else {
        String::new()
    };
    vec![Span::styled(
        format!(
            "{indent}cpu {:.1}%  mem {}{limit}",
            s.cpu_percent,
            bytes(s.mem_bytes)
        ),
        st.muted,
    )]
}

pub fn empty_service(
    name: &str,
    selected: bool,
    cols: &Columns,
    st: &ServiceStyles,
) -> Vec<Span<'static>> {
    let mut row = service_cell(name, selected, cols, st);
    row.push(Span::styled("· no matching containers", st.muted));
    row
}

/// The retained previous containers of a service on one host, newest first: their images.
pub fn retained_row(
    list: &[&ContainerInfo],
    cols: &Columns,
    st: &ServiceStyles,
) -> Vec<Span<'static>> {
    let images: Vec<&str> = list.iter().map(|c| c.image.as_str()).collect();
    let mut row = service_cell("", false, cols, st);
    row.push(Span::styled(
        format!("↺ previous: {}", images.join(", ")),
        st.muted,
    ));
    row
}

/// The image the current release deploys to a service, marked `✔` when every running
/// container of the service already runs it, `→` otherwise.
pub fn target_row(
    service: &str,
    image: &str,
    running: &[&str],
    cols: &Columns,
    st: &ServiceStyles,
) -> Vec<Span<'static>> {
    let done = !running.is_empty() && running.iter().all(|r| *r == image);
    let (mark, style) = if done {
        ("✔", st.ok)
    } else {
        ("→", st.accent)
    };
    let mut row = service_cell(service, false, cols, st);
    row.push(Span::styled(format!("{mark} target {image}"), style));
    row
}
