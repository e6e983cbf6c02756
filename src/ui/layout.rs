//! Where each pane goes, for a screen size: shared by `render` and by `update` (page sizes).
//!
//! Wide screens (≥ 120 columns) put checklist, services and gates side by side above the logs;
//! narrower ones put the checklist left and services over gates right. Below 60×16 nothing
//! but a "too small" line is drawn.

use ratatui::layout::Rect;

use crate::release::ReleasePhase;

use super::app::App;
use super::panes::{checklist, services};

pub const MIN_W: u16 = 60;
pub const MIN_H: u16 = 16;
const WIDE: u16 = 120;

/// A full-width line between the header and the panes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Notice {
    /// The demo's guide (`demo_guide`).
    Guide,
    /// The armed-rollback banner.
    Armed,
    /// The release finished: how, and `flightdeck report`.
    Finished,
    /// `header.warning`.
    Warning,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Areas {
    pub header: Rect,
    pub notices: Vec<(Notice, Rect)>,
    pub checklist: Rect,
    pub services: Rect,
    pub gates: Rect,
    pub logs: Rect,
    pub status: Rect,
    pub footer: Rect,
}

/// The notice lines the App wants, in screen order.
pub fn notices(app: &App) -> Vec<Notice> {
    let mut n = Vec::new();
    if app.demo_guide.is_some() {
        n.push(Notice::Guide);
    }
    if app.release.armed.is_some() && !app.release.is_finished() {
        n.push(Notice::Armed);
    }
    if matches!(app.release.phase, ReleasePhase::Finished(_)) {
        n.push(Notice::Finished);
    }
    if app.header.warning.is_some() {
        n.push(Notice::Warning);
    }
    n
}

/// The panes' rectangles, or `None` when the screen is under 60×16.
pub fn compute(area: Rect, app: &App) -> Option<Areas> {
    if area.width < MIN_W || area.height < MIN_H {
        return None;
    }
    let mut wanted = notices(app);
    // Keep at least 11 rows for the panes: drop the least urgent notices first.
    let room = usize::from(area.height - 5).saturating_sub(11).max(1);
    while wanted.len() > room {
        let least = [
            Notice::Guide,
            Notice::Warning,
            Notice::Finished,
            Notice::Armed,
        ]
        .into_iter()
        .find(|n| wanted.contains(n))
        .unwrap_or(Notice::Guide);
        wanted.retain(|n| *n != least);
    }
    let mut y = area.y;
    let header = Rect::new(area.x, y, area.width, 1);
    y += 1;
    let mut notice_rects = Vec::new();
    for n in wanted {
        notice_rects.push((n, Rect::new(area.x, y, area.width, 1)));
        y += 1;
    }
    let footer = Rect::new(area.x, area.bottom() - 1, area.width, 1);
    let status = Rect::new(area.x, area.bottom() - 2, area.width, 1);
    let body_h = area.bottom() - 2 - y;

    let steps = u16::try_from(checklist::rows(app).len()).unwrap_or(u16::MAX);
    let svc = u16::try_from(services::wanted_rows(app).max(1)).unwrap_or(u16::MAX);
    let gates = u16::try_from(app.gates.len().max(1)).unwrap_or(u16::MAX);
    let wide = area.width >= WIDE;
    let side = if wide {
        svc.max(gates).saturating_add(2)
    } else {
        svc.saturating_add(gates).saturating_add(4)
    };
    let needed = steps.saturating_add(2).max(side);
    let max_top = body_h * 3 / 5;
    let top_h = needed.min(max_top).max(7.min(max_top));
    let top = Rect::new(area.x, y, area.width, top_h);
    let logs = Rect::new(area.x, y + top_h, area.width, body_h - top_h);

    let (checklist, services, gates_r) = if wide {
        let cw = area.width * 2 / 5;
        let sw = (area.width - cw) / 2;
        (
            Rect::new(top.x, top.y, cw, top_h),
            Rect::new(top.x + cw, top.y, sw, top_h),
            Rect::new(top.x + cw + sw, top.y, area.width - cw - sw, top_h),
        )
    } else {
        let cw = area.width * 11 / 20;
        let rw = area.width - cw;
        // Services over gates: each gets what it needs when both fit; else they share the
        // height in proportion, neither under 3 rows (a border and one line).
        let (sn, gn) = (svc.saturating_add(2), gates.saturating_add(2));
        let sh = if sn.saturating_add(gn) <= top_h {
            sn
        } else {
            let share = u32::from(top_h) * u32::from(sn) / (u32::from(sn) + u32::from(gn));
            u16::try_from(share)
                .unwrap_or(top_h)
                .clamp(3.min(top_h), top_h.saturating_sub(3).max(3.min(top_h)))
        };
        (
            Rect::new(top.x, top.y, cw, top_h),
            Rect::new(top.x + cw, top.y, rw, sh),
            Rect::new(top.x + cw, top.y + sh, rw, top_h - sh),
        )
    };
    Some(Areas {
        header,
        notices: notice_rects,
        checklist,
        services,
        gates: gates_r,
        logs,
        status,
        footer,
    })
}

/// Rows inside a bordered pane of this rectangle.
pub fn inner_rows(r: Rect) -> usize {
    usize::from(r.height.saturating_sub(2))
}
