//! The trigger chart (`g`): a trigger's values over its watch (ratatui `Chart`), with the
//! threshold and baseline lines, a mark per measurement (• pass, ⚠ warn, ✖ fail, ? error) and
//! the time left. Drawn from the App's series only; `Esc` closes it.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Axis, Chart, Dataset, GraphType, Widget};

use super::app::App;
use super::modal::{ModalOutcome, frame};
use super::text;
use super::theme::Theme;
use crate::model::trend::{Mark, Point, Stats, fmt_num};
use crate::release::StepState;

/// The open chart: which trigger, during which watch step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChartView {
    pub gate: String,
    pub step: String,
}

impl ChartView {
    pub fn key(&mut self, ev: &KeyEvent) -> ModalOutcome {
        match ev.code {
            KeyCode::Esc | KeyCode::Enter | KeyCode::Char('q' | 'g') => ModalOutcome::Close(None),
            _ => ModalOutcome::Keep,
        }
    }
}

/// What the chart shows, computed from the App.
struct Model<'a> {
    points: Vec<Point>,
    start: Option<chrono::DateTime<chrono::Utc>>,
    /// The watch's whole length (with extensions), in seconds.
    total_s: f64,
    /// Seconds left while the watch runs; `None` once it ended.
    left_s: Option<i64>,
    condition: Option<&'a str>,
    bound: Option<f64>,
    baseline: Option<f64>,
    uses_baseline: bool,
}

fn step_of<'a>(app: &'a App, id: &str) -> Option<&'a StepState> {
    app.release
        .steps
        .iter()
        .chain(app.release.rollback_steps.iter())
        .find(|s| s.id == id)
}

#[allow(clippy::cast_precision_loss)]
fn model<'a>(app: &'a App, view: &ChartView) -> Model<'a> {
    let step = step_of(app, &view.step);
    let start = step.and_then(|s| s.started_at);
    let points = app
        .series
        .gates
        .get(&view.gate)
        .map(|g| g.of_step(&view.step, start))
        .unwrap_or_default();
    let running = step.is_some_and(|s| s.status == crate::release::StepStatus::Running);
    // A running watch's planned length; an ended one's actual length.
    let total_ms = step.map_or(0, |s| match (running, s.started_at, s.finished_at) {
        (false, Some(a), Some(b)) => u64::try_from((b - a).num_milliseconds()).unwrap_or(0),
        _ => s
            .info
            .duration_ms
            .unwrap_or(0)
            .saturating_add(s.extended_ms),
    });
    let left_s = match (running, start) {
        (true, Some(t)) => {
            let elapsed = (app.now - t).num_milliseconds().max(0);
            Some((i64::try_from(total_ms).unwrap_or(i64::MAX) - elapsed).max(0) / 1000)
        }
        _ => None,
    };
    let threshold = app.series.thresholds.get(&view.gate);
    let baseline = app.series.baseline(&view.gate);
    Model {
        points,
        start,
        total_s: total_ms as f64 / 1000.0,
        left_s,
        condition: threshold.map(|t| t.condition.as_str()),
        bound: threshold.and_then(|t| t.bound(baseline)),
        baseline,
        uses_baseline: threshold.is_some_and(|t| t.condition.contains("baseline")),
    }
}

/// Draw the chart over the panes: the header and the notice lines (the armed banner, the
/// warning, the demo's guide) stay in view.
pub fn render(app: &App, view: &ChartView, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let m = model(app, view);
    let top = super::layout::compute(area, app).map_or(area.y + 1, |a| a.checklist.y);
    let rect = if area.bottom().saturating_sub(top) > 12 {
        Rect::new(area.x, top, area.width, area.bottom() - top)
    } else {
        area
    };
    let when = match (m.left_s, m.start) {
        (Some(s), _) => format!("{} left", text::timer(s)),
        (None, Some(_)) => "watch ended".to_owned(),
        (None, None) => "not started".to_owned(),
    };
    let title = Line::from(vec![
        Span::styled(format!(" {} ", view.gate), theme.title),
        Span::styled(format!("· step {} · ", view.step), theme.muted),
        Span::styled(format!("{when} "), theme.running),
    ]);
    let inner = frame(buf, rect, &title, theme.border_focused, theme);
    if inner.height < 6 || inner.width < 20 {
        return;
    }
    let x = inner.x + 1;
    let w = inner.width.saturating_sub(2);
    text::put_spans(buf, x, inner.y, &info_line(&m, theme).spans, w);
    text::put_spans(buf, x, inner.y + 1, &legend(&m, theme).spans, w);
    let hint = super::modal::hint(&[("esc", "close")], theme);
    text::put_spans(buf, x, inner.bottom() - 1, &hint.spans, w);
    let area = Rect::new(inner.x, inner.y + 2, inner.width, inner.height - 3);
    if m.points.is_empty() {
        let msg = "not measured during this watch yet";
        text::put(buf, x, area.y + area.height / 2, msg, w, theme.muted);
        return;
    }
    draw_chart(&m, theme, area, buf);
}

/// `threshold: result > 0.05 (0.05) · baseline 0.004 · last 0.031`
fn info_line<'a>(m: &Model<'_>, theme: &Theme) -> Line<'a> {
    let mut spans = vec![Span::styled("threshold: ", theme.muted)];
    match m.condition {
        Some(c) => {
            spans.push(Span::styled(c.to_owned(), theme.text));
            if let Some(b) = m.bound
                && m.uses_baseline
            {
                spans.push(Span::styled(format!(" = {}", fmt_num(b)), theme.text));
            }
        }
        None => spans.push(Span::styled("none (pass/fail only)", theme.muted)),
    }
    match (m.baseline, m.uses_baseline) {
        (Some(b), _) => {
            spans.push(Span::styled(" · baseline ", theme.muted));
            spans.push(Span::styled(fmt_num(b), theme.accent));
        }
        (None, true) => spans.push(Span::styled(" · baseline not measured", theme.warn)),
        (None, false) => {}
    }
    if let Some(p) = m.points.last() {
        spans.push(Span::styled(" · last ", theme.muted));
        let v = p.value.map_or_else(|| "-".to_owned(), fmt_num);
        spans.push(Span::styled(
            format!("{v} {}", p.mark.symbol()),
            mark_style(p.mark, theme),
        ));
    }
    Line::from(spans)
}

/// `• 12 pass ⚠ 1 warn ✖ 0 fail ? 0 error · ─ threshold ┄ baseline`
fn legend<'a>(m: &Model<'_>, theme: &Theme) -> Line<'a> {
    let s = Stats::of(&m.points);
    let mut spans = Vec::new();
    for (mark, n) in [
        (Mark::Pass, s.pass),
        (Mark::Warn, s.warn),
        (Mark::Fail, s.fail),
        (Mark::Error, s.error),
    ] {
        spans.push(Span::styled(
            format!("{} {n} {} ", mark.symbol(), mark.as_str()),
            mark_style(mark, theme),
        ));
    }
    if m.bound.is_some() {
        spans.push(Span::styled("· ─ threshold ", theme.fail));
    }
    if m.baseline.is_some() {
        spans.push(Span::styled("┄ baseline", theme.accent));
    }
    Line::from(spans)
}

fn mark_style(mark: Mark, theme: &Theme) -> Style {
    match mark {
        Mark::Pass => theme.ok,
        Mark::Warn | Mark::Error => theme.warn,
        Mark::Fail => theme.fail,
    }
}

/// The y range: every value, the threshold and the baseline, with a margin.
fn y_bounds(m: &Model<'_>) -> [f64; 2] {
    crate::model::trend::y_range(
        m.points
            .iter()
            .filter_map(|p| p.value)
            .chain(m.bound)
            .chain(m.baseline),
    )
}

#[allow(clippy::cast_precision_loss)]
fn draw_chart(m: &Model<'_>, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let start = m.start.or_else(|| m.points.first().map(|p| p.at));
    let secs = |p: &Point| start.map_or(0.0, |s| (p.at - s).num_milliseconds() as f64 / 1000.0);
    let last = m.points.iter().map(secs).fold(0.0_f64, f64::max);
    let x1 = m.total_s.max(last).max(1.0);
    let [y0, y1] = y_bounds(m);
    let line = |y: f64| vec![(0.0, y), (x1, y)];
    let threshold = m.bound.map(line).unwrap_or_default();
    let baseline = m.baseline.map(line).unwrap_or_default();
    let now = match m.left_s {
        Some(left) => {
            let at = (x1 - left as f64).clamp(0.0, x1);
            vec![(at, y0), (at, y1)]
        }
        None => Vec::new(),
    };
    let values: Vec<(f64, f64)> = m
        .points
        .iter()
        .filter_map(|p| p.value.map(|v| (secs(p), v)))
        .collect();
    let marks = |mark: Mark| -> Vec<(f64, f64)> {
        m.points
            .iter()
            .filter(|p| p.mark == mark)
            .map(|p| (secs(p), p.value.unwrap_or(y0)))
            .collect()
    };
    let (pass, warn, fail, error) = (
        marks(Mark::Pass),
        marks(Mark::Warn),
        marks(Mark::Fail),
        marks(Mark::Error),
    );
    let mut datasets = vec![
        Dataset::default()
            .graph_type(GraphType::Line)
            .marker(Marker::Custom('┊'))
            .style(theme.muted)
            .data(&now),
        Dataset::default()
            .graph_type(GraphType::Line)
            .marker(Marker::Custom('┄'))
            .style(theme.accent)
            .data(&baseline),
        Dataset::default()
            .graph_type(GraphType::Line)
            .marker(Marker::Custom('─'))
            .style(theme.fail)
            .data(&threshold),
        Dataset::default()
            .graph_type(GraphType::Line)
            .marker(Marker::Braille)
            .style(theme.text)
            .data(&values),
    ];
    for (mark, data) in [
        (Mark::Pass, &pass),
        (Mark::Warn, &warn),
        (Mark::Fail, &fail),
        (Mark::Error, &error),
    ] {
        datasets.push(
            Dataset::default()
                .graph_type(GraphType::Scatter)
                .marker(Marker::Custom(mark.symbol()))
                .style(mark_style(mark, theme))
                .data(data),
        );
    }
    let x_labels = [0.0, x1 / 2.0, x1].map(|s| Span::styled(clock(s), theme.muted));
    // Five y labels when there is room for them, else three.
    let n: u32 = if area.height >= 20 { 4 } else { 2 };
    let y_labels: Vec<Span<'_>> = (0..=n)
        .map(|i| {
            Span::styled(
                fmt_num(y0 + (y1 - y0) * f64::from(i) / f64::from(n)),
                theme.muted,
            )
        })
        .collect();
    Chart::new(datasets)
        .x_axis(
            Axis::default()
                .bounds([0.0, x1])
                .labels(x_labels)
                .style(theme.border),
        )
        .y_axis(
            Axis::default()
                .bounds([y0, y1])
                .labels(y_labels)
                .style(theme.border),
        )
        .style(theme.text)
        .render(area, buf);
}

/// Seconds since the watch started as `m:ss` (`h:mm:ss` past an hour).
#[allow(clippy::cast_possible_truncation)]
fn clock(secs: f64) -> String {
    let s = secs.round().max(0.0) as i64;
    if s >= 3600 {
        format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
    } else {
        format!("{}:{:02}", s / 60, s % 60)
    }
}
