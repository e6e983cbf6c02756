//! The services & revisions pane. [`services_lines`] is the pure renderer of the live Docker
//! state: rows grouped by host, a mark on every state, `STALE since hh:mm:ss` on stale hosts.
//! [`render`] is the placeholder the cockpit draws until it wires `services_lines` in.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

use chrono::{DateTime, Utc};

use crate::model::docker::DockerModel;
use crate::runbook::Service;
use crate::ui::app::App;
use crate::ui::text;
use crate::ui::theme::Theme;

pub fn render(app: &App, theme: &Theme, area: Rect, buf: &mut Buffer, focused: bool) {
    let block = super::block(
        vec![Span::styled("Services & revisions", theme.title)],
        focused,
        theme,
    );
    let inner = block.inner(area);
    block.render(area, buf);
    if inner.width < 4 || inner.height == 0 {
        return;
    }
    let x = inner.x + 1;
    let w = inner.width - 1;
    if let Some(lines) = live_lines(app, theme, w) {
        let h = usize::from(inner.height);
        let top = app.services_top.min(lines.len().saturating_sub(h));
        super::scroll_marks(buf, area, theme, top > 0, top + h < lines.len());
        for (line, y) in lines[top..].iter().zip(inner.top()..inner.bottom()) {
            buf.set_line(x, y, line, w);
        }
        return;
    }
    if app.services.is_empty() {
        text::put(buf, x, inner.y, "no services configured", w, theme.muted);
        return;
    }
    let h = usize::from(inner.height);
    let top = app.services_top.min(app.services.len().saturating_sub(h));
    super::scroll_marks(buf, area, theme, top > 0, top + h < app.services.len());
    let name_w = app
        .services
        .iter()
        .map(|n| text::width(n))
        .max()
        .unwrap_or(0)
        .min(usize::from(w / 2));
    let name_w = u16::try_from(name_w).unwrap_or(0);
    for (name, y) in app.services[top..].iter().zip(inner.top()..inner.bottom()) {
        text::put(buf, x, y, "·", 1, theme.pending);
        text::put(
            buf,
            x + 2,
            y,
            name,
            name_w.min(w.saturating_sub(2)),
            theme.text,
        );
        let col = 2 + name_w + 2;
        text::put(
            buf,
            x + col,
            y,
            "no live status yet",
            w.saturating_sub(col),
            theme.muted,
        );
    }
}

/// The live lines (containers, then the revisions: git, command sources, live version), or
/// `None` when there is neither Docker nor a revision source.
fn live_lines(app: &App, theme: &Theme, w: u16) -> Option<Vec<Line<'static>>> {
    let rev = app.revisions();
    let has_rev = rev.git.is_some() || !rev.sources.is_empty();
    if app.docker.is_none() && !has_rev {
        return None;
    }
    let mut lines = match &app.docker {
        // The selected service's stats streams are the ones open (`<` / `>`).
        Some((model, defs)) => services_lines_with(
            model,
            defs,
            &app.deploy_targets,
            (!defs.is_empty()).then_some(app.selected_service.min(defs.len() - 1)),
            app.now,
            w,
            &ServiceStyles::from_theme(theme),
        ),
        None => Vec::new(),
    };
    if has_rev {
        lines.extend(super::revisions::revisions_lines(
            rev,
            &app.header.version,
            app.now,
            w,
            theme,
        ));
    }
    Some(lines)
}

/// How many rows the pane's content has (the layout sizes the pane by it, every frame, so it
/// counts rather than builds the lines).
pub fn wanted_rows(app: &App) -> usize {
    let rev = app.revisions();
    let has_rev = rev.git.is_some() || !rev.sources.is_empty();
    if app.docker.is_none() && !has_rev {
        return app.services.len();
    }
    let docker = app.docker.as_ref().map_or(0, |(model, defs)| {
        let selected = (!defs.is_empty()).then(|| app.selected_service.min(defs.len() - 1));
        services_line_count(model, defs, &app.deploy_targets, selected)
    });
    let revisions = if has_rev {
        super::revisions::revisions_lines(rev, &app.header.version, app.now, 80, &Theme::mono())
            .len()
    } else {
        0
    };
    docker + revisions
}

/// The number of lines [`services_lines_with`] gives for the same arguments.
pub fn services_line_count(
    model: &DockerModel,
    services: &[Service],
    targets: &[(String, String)],
    selected: Option<usize>,
) -> usize {
    if services.is_empty() {
        return 1;
    }
    let selected = selected.and_then(|i| services.get(i)).map(|s| &s.name);
    let mut n = 0;
    for host in &model.hosts {
        n += 1;
        for svc in services {
            let mut retained = false;
            for c in host
                .containers
                .values()
                .filter(|c| c.services.contains(&svc.name))
            {
                if c.name.contains(rows::PREV) {
                    retained = true;
                    continue;
                }
                n += 1;
                if selected == Some(&svc.name) && host.stats.contains_key(&c.id) {
                    n += 1;
                }
            }
            n += usize::from(retained);
        }
    }
    let unmatched = services.iter().filter(|svc| {
        !model.hosts.iter().any(|h| {
            h.containers
                .values()
                .any(|c| c.services.contains(&svc.name))
        })
    });
    n + unmatched.count() + targets.len()
}

mod rows;

/// The styles of the services pane (the cockpit maps its theme onto them). Every state also
/// has a mark, so none of these is ever the only signal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ServiceStyles {
    /// Running, healthy, a live host.
    pub ok: Style,
    /// Unhealthy, dead, exited with an error.
    pub fail: Style,
    /// Starting, restarting, paused, restarts > 0, re-listing.
    pub warn: Style,
    /// Secondary text: images, ages, stats, "no containers".
    pub muted: Style,
    /// Host names and the selected service.
    pub accent: Style,
    /// Rows and headers of a host whose daemon went away.
    pub stale: Style,
}

impl ServiceStyles {
    /// The theme's styles (stale state uses `warn`; its mark and text say STALE).
    pub fn from_theme(theme: &Theme) -> Self {
        Self {
            ok: theme.ok,
            fail: theme.fail,
            warn: theme.warn,
            muted: theme.muted,
            accent: theme.accent,
            stale: theme.warn,
        }
    }
}

/// The pane's lines: for each host (runbook order) a header, then each service's containers
/// on that host (by name), then the services that match no container anywhere. The
/// `selected` service (an index into `services`) is marked `▸` and its running containers get
/// a CPU/memory line from their stats. Lines are cut to `width` columns with `…`.
pub fn services_lines(
    model: &DockerModel,
    services: &[Service],
    selected: Option<usize>,
    now: DateTime<Utc>,
    width: u16,
    styles: &ServiceStyles,
) -> Vec<Line<'static>> {
    services_lines_with(model, services, &[], selected, now, width, styles)
}

/// [`services_lines`] with the release's deploy `targets` (service, image). Retained previous
/// containers (`<name>.prev-<tag>`, kept by `docker-deploy`) are not container rows: each
/// service lists them on one `previous` line per host, newest first; each target gets a
/// `target` line after the hosts.
pub fn services_lines_with(
    model: &DockerModel,
    services: &[Service],
    targets: &[(String, String)],
    selected: Option<usize>,
    now: DateTime<Utc>,
    width: u16,
    styles: &ServiceStyles,
) -> Vec<Line<'static>> {
    let w = usize::from(width);
    if services.is_empty() {
        return vec![rows::fit(
            vec![Span::styled("no services configured", styles.muted)],
            w,
        )];
    }
    let selected = selected
        .and_then(|i| services.get(i))
        .map(|s| s.name.as_str());
    let cols = rows::Columns::new(model, services);
    let mut out = Vec::new();
    for host in &model.hosts {
        out.push(rows::fit(rows::host_header(host, styles), w));
        for svc in services {
            let mut retained = Vec::new();
            for c in host.sorted() {
                if !c.services.contains(&svc.name) {
                    continue;
                }
                if c.name.contains(rows::PREV) {
                    retained.push(c);
                    continue;
                }
                let is_sel = selected == Some(svc.name.as_str());
                let row = rows::container_row(host, c, &svc.name, is_sel, &cols, now, styles);
                out.push(rows::fit(row, w));
                if is_sel && let Some(stats) = host.stats.get(&c.id) {
                    out.push(rows::fit(rows::stats_row(stats, &cols, styles), w));
                }
            }
            if !retained.is_empty() {
                retained.sort_by_key(|c| std::cmp::Reverse(c.finished_at));
                out.push(rows::fit(rows::retained_row(&retained, &cols, styles), w));
            }
        }
    }
    for svc in services {
        let anywhere = model.hosts.iter().any(|h| {
            h.containers
                .values()
                .any(|c| c.services.contains(&svc.name))
        });
        if !anywhere {
            let is_sel = selected == Some(svc.name.as_str());
            out.push(rows::fit(
                rows::empty_service(&svc.name, is_sel, &cols, styles),
                w,
            ));
        }
    }
    for (svc, image) in targets {
        let running: Vec<&str> = model
            .hosts
            .iter()
            .flat_map(|h| h.containers.values())
            .filter(|c| c.services.contains(svc) && !c.name.contains(rows::PREV))
            .filter(|c| c.state == crate::model::docker::RunState::Running)
            .map(|c| c.image.as_str())
            .collect();
        out.push(rows::fit(
            rows::target_row(svc, image, &running, &cols, styles),
            w,
        ));
    }
    out
}

/// The lines as plain text (for `flightdeck status` and tests), trailing spaces trimmed.
pub fn to_plain(lines: &[Line<'_>]) -> Vec<String> {
    lines
        .iter()
        .map(|l| {
            let s: String = l.spans.iter().map(|s| s.content.as_ref()).collect();
            s.trim_end().to_owned()
        })
        .collect()
}
