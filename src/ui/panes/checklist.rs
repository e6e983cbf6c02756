//! The checklist pane: number, mark, title and duration of every step (the running one with a
//! live mm:ss timer), a detail line under a step that needs the operator, and once a rollback
//! has started the rollback steps under a "Rollback" heading.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::Span;
use ratatui::widgets::Widget;
use std::fmt::Write as _;

use crate::release::{Phase, ReleaseOutcome, ReleasePhase, StepState, StepStatus};
use crate::runbook::StepType;
use crate::ui::app::App;
use crate::ui::keymap::Action;
use crate::ui::text;
use crate::ui::theme::Theme;

/// One row of the checklist.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Row {
    Step(Phase, usize),
    /// What the step above needs (why it failed, what to press).
    Detail(Phase, usize),
    Heading,
}

fn rolling_back(app: &App) -> bool {
    matches!(
        app.release.phase,
        ReleasePhase::RollingBack | ReleasePhase::Finished(ReleaseOutcome::RolledBack)
    )
}

fn needs_detail(s: &StepState) -> bool {
    match &s.status {
        StepStatus::Failed(_) | StepStatus::Interrupted | StepStatus::Skipped(_) => true,
        StepStatus::Running => s.kind.is_answered() || s.kind == StepType::Watch,
        StepStatus::Succeeded => crate::ui::approvals::verified_line(s).is_some(),
        StepStatus::Pending => false,
    }
}

/// Every row, in order (cheap: no text is built).
pub fn rows(app: &App) -> Vec<Row> {
    fn push(out: &mut Vec<Row>, phase: Phase, list: &[StepState], held: Option<usize>) {
        for (i, s) in list.iter().enumerate() {
            out.push(Row::Step(phase, i));
            if needs_detail(s) || held == Some(i) {
                out.push(Row::Detail(phase, i));
            }
        }
    }
    let mut out = Vec::new();
    let held = app.release.held().map(|h| h.index);
    push(&mut out, Phase::Main, &app.release.steps, held);
    if rolling_back(app) {
        out.push(Row::Heading);
        push(&mut out, Phase::Rollback, &app.release.rollback_steps, None);
    }
    out
}

/// The top row that keeps the running (else current) step in view, a third of the way down.
pub fn auto_top(app: &App, rows: &[Row], h: usize) -> usize {
    let focus = app.release.running().or(app.release.current());
    let at = focus
        .and_then(|(p, i)| rows.iter().position(|r| *r == Row::Step(p, i)))
        .unwrap_or(rows.len().saturating_sub(1));
    if rows.len() <= h {
        0
    } else {
        at.saturating_sub(h / 3).min(rows.len() - h)
    }
}

fn step_style(s: &StepState, current: bool, theme: &Theme) -> (Style, Style) {
    match &s.status {
        StepStatus::Pending if current => (theme.accent, theme.text.patch(theme.title)),
        StepStatus::Pending => (theme.pending, theme.text),
        StepStatus::Running => (theme.running, theme.running),
        StepStatus::Succeeded => (theme.ok, theme.text),
        StepStatus::Failed(_) => (theme.fail, theme.fail),
        StepStatus::Skipped(_) => (theme.muted, theme.muted),
        StepStatus::Interrupted => (theme.warn, theme.warn),
    }
}

fn duration(app: &App, s: &StepState) -> String {
    match &s.status {
        StepStatus::Running => s
            .started_at
            .map(|t| text::timer((app.now - t).num_seconds()))
            .unwrap_or_default(),
        StepStatus::Skipped(_) => "skip".into(),
        _ => s.duration_ms.map(text::duration_ms).unwrap_or_default(),
    }
}

/// Why the step needs the operator (the keys are on the status line and in the footer).
fn detail(app: &App, s: &StepState) -> String {
    match &s.status {
        StepStatus::Failed(why) => format!("└ failed: {why}"),
        StepStatus::Interrupted => "└ interrupted: outcome unknown".to_owned(),
        StepStatus::Skipped(why) => format!("└ skipped: {why}"),
        StepStatus::Succeeded => format!(
            "└ {}",
            crate::ui::approvals::verified_line(s).unwrap_or_default()
        ),
        StepStatus::Pending => app
            .release
            .held()
            .filter(|h| h.step == s.id)
            .map(|h| {
                let line = crate::release::update::wait_for::held_line(&app.release, &h, app.now);
                format!("└ {line}")
            })
            .unwrap_or_default(),
        _ if s.kind == StepType::Watch => watch_gauge(app, s),
        _ if let Some(line) = crate::ui::approvals::waiting_line(&app.release, s) => {
            format!("└ {line}")
        }
        _ if s.kind == StepType::Approval => format!(
            "└ waiting for approval ({})",
            app.keymap.short(Action::Next)
        ),
        StepStatus::Running => format!(
            "└ waiting for evidence ({})",
            app.keymap.short(Action::Next)
        ),
    }
}

/// A running watch: time left, a bar, and each trigger measured during it with its mark,
/// last value and a sparkline.
fn watch_gauge(app: &App, s: &StepState) -> String {
    let total = s
        .info
        .duration_ms
        .unwrap_or(0)
        .saturating_add(s.extended_ms);
    let elapsed = s.started_at.map_or(0, |t| {
        u64::try_from((app.now - t).num_milliseconds()).unwrap_or(0)
    });
    let left = total.saturating_sub(elapsed);
    let filled = elapsed
        .min(total)
        .saturating_mul(10)
        .checked_div(total)
        .and_then(|f| usize::try_from(f).ok())
        .unwrap_or(0);
    let bar: String = (0..10)
        .map(|i| if i < filled { '▰' } else { '▱' })
        .collect();
    if s.ack_pending {
        return format!(
            "└ ⚠ saw warnings ({}): {} to acknowledge",
            s.warnings_text(),
            app.keymap.short(Action::Next)
        );
    }
    let left = text::timer(i64::try_from(left / 1000).unwrap_or(0));
    // A background watch's line sits under the running step: no bar, so its marks fit at 80
    // columns.
    let mut out = if s.is_background() {
        format!("└ bg {left} left")
    } else {
        format!("└ {left} left {bar}")
    };
    for g in &app.gates {
        let fresh = matches!((g.at, s.started_at), (Some(a), Some(st)) if a >= st);
        if !fresh {
            continue;
        }
        let spark = app
            .gate_history
            .get(&g.id)
            .map(|h| sparkline(h, 8))
            .unwrap_or_default();
        let _ = write!(out, " · {} {} {} {spark}", g.state.mark(), g.id, g.value);
    }
    out
}

/// Eight-level bars of the recent values; `?` for an error, `✖`-height for a failure
/// without a value.
fn sparkline(
    h: &std::collections::VecDeque<(crate::ui::model::GateState, Option<f64>)>,
    width: usize,
) -> String {
    use crate::ui::model::GateState;
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let recent: Vec<_> = h.iter().skip(h.len().saturating_sub(width)).collect();
    let (lo, hi) = recent
        .iter()
        .filter_map(|(_, v)| *v)
        .fold((f64::MAX, f64::MIN), |(lo, hi), v| (lo.min(v), hi.max(v)));
    recent
        .iter()
        .map(|(state, v)| match (state, v) {
            (GateState::Error, _) => '?',
            (_, Some(v)) if hi > lo => {
                #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                let i = (((v - lo) / (hi - lo)) * 7.0).round() as usize;
                BARS[i.min(7)]
            }
            (GateState::Fail, _) => '▇',
            _ => '▁',
        })
        .collect()
}

/// Column widths shared by the visible rows.
struct Cols {
    num: usize,
    dur: usize,
}

fn draw_step(
    app: &App,
    theme: &Theme,
    buf: &mut Buffer,
    at: (u16, u16, u16),
    row: (Phase, usize),
    cols: &Cols,
) {
    let (x, y, w) = at;
    let (phase, idx) = row;
    let step = &app.release.list(phase)[idx];
    let current = app.release.current() == Some(row);
    let (mark_style, title_style) = step_style(step, current, theme);
    let used = text::put(buf, x, y, step.status.mark(), 1, mark_style);
    let num = format!(" {:>width$} ", idx + 1, width = cols.num);
    let used = used + text::put(buf, x + used, y, &num, w - used, theme.muted);
    let dur_col = u16::try_from(if cols.dur > 0 { cols.dur + 1 } else { 0 }).unwrap_or(0);
    let room = (w - used).saturating_sub(dur_col + 1);
    text::put(buf, x + used, y, &step.title, room, title_style);
    let dur = duration(app, step);
    if !dur.is_empty() && w > used + dur_col {
        let dw = u16::try_from(text::width(&dur)).unwrap_or(0);
        let dur_style = if step.status == StepStatus::Running {
            theme.running
        } else {
            theme.muted
        };
        text::put(buf, x + w - 1 - dw, y, &dur, dw, dur_style);
    }
}

fn draw_detail(
    app: &App,
    theme: &Theme,
    buf: &mut Buffer,
    at: (u16, u16, u16),
    row: (Phase, usize),
    cols: &Cols,
) {
    let (x, y, w) = at;
    let step = &app.release.list(row.0)[row.1];
    let style = match step.status {
        StepStatus::Failed(_) => theme.fail,
        StepStatus::Interrupted => theme.warn,
        StepStatus::Running => theme.accent,
        _ => theme.muted,
    };
    let indent = u16::try_from(cols.num + 3).unwrap_or(3).min(w);
    text::put(buf, x + indent, y, &detail(app, step), w - indent, style);
}

pub fn render(app: &App, theme: &Theme, area: Rect, buf: &mut Buffer, focused: bool) {
    let rel = &app.release;
    let done = rel.steps.iter().filter(|s| s.status.is_done()).count();
    let mut title = vec![
        Span::styled("Checklist ", theme.title),
        Span::styled(format!("{done}/{} done", rel.steps.len()), theme.muted),
    ];
    if app.checklist_top.is_some() {
        title.push(Span::styled(" · scrolled", theme.muted));
    }
    let block = super::block(title, focused, theme);
    let inner = block.inner(area);
    block.render(area, buf);
    if inner.width < 8 || inner.height == 0 {
        return;
    }
    let all = rows(app);
    if all.is_empty() {
        text::put(
            buf,
            inner.x + 1,
            inner.y,
            "no steps",
            inner.width - 1,
            theme.muted,
        );
        return;
    }
    let height = usize::from(inner.height);
    let top = app
        .checklist_top
        .unwrap_or_else(|| auto_top(app, &all, height))
        .min(all.len().saturating_sub(height));
    let visible = &all[top..all.len().min(top + height)];
    let cols = Cols {
        num: rel
            .steps
            .len()
            .max(rel.rollback_steps.len())
            .to_string()
            .len(),
        dur: visible
            .iter()
            .filter_map(|row| match row {
                Row::Step(p, i) => Some(text::width(&duration(app, &rel.list(*p)[*i]))),
                _ => None,
            })
            .max()
            .unwrap_or(0),
    };
    for (row, y) in visible.iter().zip(inner.top()..) {
        let at = (inner.x + 1, y, inner.width - 1);
        match *row {
            Row::Heading => {
                let (target, _) = app.rollback_target();
                let to = target.map(|t| format!(" → {t}")).unwrap_or_default();
                text::put(buf, at.0, y, &format!("↺ Rollback{to}"), at.2, theme.warn);
            }
            Row::Step(p, i) => draw_step(app, theme, buf, at, (p, i), &cols),
            Row::Detail(p, i) => draw_detail(app, theme, buf, at, (p, i), &cols),
        }
    }
    super::scroll_marks(buf, area, theme, top > 0, top + height < all.len());
}
