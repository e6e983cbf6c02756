//! The services & revisions pane. [`PaneView`] is the pure renderer of the live Docker state:
//! a header per host, one row per service across its hosts (`→` expands it into its
//! containers), a mark on every state, `STALE since hh:mm:ss` on stale hosts.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

use std::collections::BTreeSet;

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
        Some((model, defs)) => PaneView::new(
            model,
            defs,
            (!defs.is_empty()).then_some(app.selected_service.min(defs.len() - 1)),
            app.now,
        )
        .targets(&app.deploy_targets)
        .expanded(&app.expanded)
        .lines(w, &ServiceStyles::from_theme(theme)),
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
        PaneView::new(model, defs, selected, app.now)
            .targets(&app.deploy_targets)
            .expanded(&app.expanded)
            .count()
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
    let none = BTreeSet::new();
    PaneView::new(model, services, selected, DateTime::<Utc>::UNIX_EPOCH)
        .targets(targets)
        .expanded(&none)
        .count()
}

mod rows;
mod view;

pub use view::PaneView;

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

/// The pane's lines (every service folded; see [`PaneView`]): a header per host (runbook
/// order), then one row per service with its counts across the hosts (a service with one
/// container on the only host shows that container inline). The `selected` service (an
/// index into `services`) is marked `▸` and shows its CPU and memory. Lines are cut to
/// `width` columns with `…`.
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
/// `target` line after the services.
pub fn services_lines_with(
    model: &DockerModel,
    services: &[Service],
    targets: &[(String, String)],
    selected: Option<usize>,
    now: DateTime<Utc>,
    width: u16,
    styles: &ServiceStyles,
) -> Vec<Line<'static>> {
    let none = BTreeSet::new();
    PaneView::new(model, services, selected, now)
        .targets(targets)
        .expanded(&none)
        .lines(width, styles)
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
