//! The two bottom lines: the status line (a refusal, a message, the search prompt, or what to
//! do next) and the keys that apply right now (no `r retry` unless a step failed).

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::Span;

use crate::release::{ReleaseOutcome, ReleasePhase, StepStatus};
use crate::runbook::StepType;
use crate::ui::app::App;
use crate::ui::keymap::Action;
use crate::ui::text;
use crate::ui::theme::Theme;

/// What to do next, when the status line has nothing else to say.
fn hint(app: &App) -> String {
    let rel = &app.release;
    let k = |a| app.keymap.short(a);
    if rel.phase == ReleasePhase::NotStarted {
        return "waiting for the release to start".into();
    }
    if rel.is_finished() {
        return String::new();
    }
    if let Some((_, idx)) = rel.ack_pending() {
        return format!(
            "watch {} saw warnings: {} to acknowledge them",
            idx + 1,
            k(Action::Next)
        );
    }
    if let Some((phase, idx)) = rel.running() {
        let step = &rel.list(phase)[idx];
        return match step.kind {
            StepType::Manual => format!(
                "step {} waits for evidence: {} to give it",
                idx + 1,
                k(Action::Next)
            ),
            StepType::Approval if rel.trust.signed_approvals => format!(
                "step {} {}",
                idx + 1,
                crate::ui::approvals::waiting_line(rel, step).unwrap_or_default()
            ),
            StepType::Approval => format!(
                "step {} waits for approval: {} to answer",
                idx + 1,
                k(Action::Next)
            ),
            _ => format!(
                "step {} `{}` is running · {} to cancel it",
                idx + 1,
                step.id,
                k(Action::Cancel)
            ),
        };
    }
    if let Some(held) = crate::release::update::wait_for::guide_line(rel, app.now) {
        return held;
    }
    match rel.current() {
        Some((phase, idx)) => {
            let step = &rel.list(phase)[idx];
            match step.status {
                StepStatus::Failed(_) => format!(
                    "step {} failed: {} retry · {} skip · {} roll back",
                    idx + 1,
                    k(Action::Retry),
                    k(Action::Skip),
                    k(Action::Rollback)
                ),
                StepStatus::Interrupted => format!(
                    "step {} was interrupted: {} retry · {} mark done · {} roll back",
                    idx + 1,
                    k(Action::Retry),
                    k(Action::MarkDone),
                    k(Action::Rollback)
                ),
                _ => format!(
                    "next: {} runs step {} · {}",
                    k(Action::Next),
                    idx + 1,
                    step.title
                ),
            }
        }
        None => crate::release::update::background::waiting_for(rel, app.now).unwrap_or_default(),
    }
}

fn status_line(app: &App, theme: &Theme, area: Rect, buf: &mut Buffer) {
    if let Some(s) = &app.search {
        let n = if s.filter {
            app.logs.shown().map_or(0, |(_, v)| v.filtered().len())
        } else {
            app.logs.match_position().1
        };
        let (mark, verb) = if s.filter {
            (" &", "filter")
        } else {
            (" /", "search")
        };
        let x = area.x + text::put(buf, area.x, area.y, mark, 2, theme.key);
        let found = if n == 1 {
            "1 match".to_owned()
        } else {
            format!("{n} matches")
        };
        let info = format!(" {found} · ⏎ {verb} · esc cancel ");
        let iw = u16::try_from(text::width(&info))
            .unwrap_or(0)
            .min(area.width / 2);
        let field = area.right().saturating_sub(x + iw);
        s.input.render(
            buf,
            Rect::new(x, area.y, field, 1),
            "",
            theme.input,
            theme.accent,
        );
        text::put(buf, area.right() - iw, area.y, &info, iw, theme.muted);
        return;
    }
    let spans: Vec<Span<'_>> = if let Some(s) = &app.status {
        if s.refusal {
            vec![
                Span::styled(" ✖ ", theme.fail),
                Span::styled(s.text.clone(), theme.fail),
            ]
        } else {
            vec![
                Span::styled(" › ", theme.accent),
                Span::styled(s.text.clone(), theme.text),
            ]
        }
    } else {
        vec![Span::styled(format!(" {}", hint(app)), theme.muted)]
    };
    text::put_spans(buf, area.x, area.y, &spans, area.width);
}

/// The keys that apply now, as `(action, label, priority)`; lower priority numbers stay
/// longest when the line is narrow.
fn items(app: &App) -> Vec<(Action, &'static str, u8)> {
    let r = &app.release;
    let active = matches!(
        r.phase,
        ReleasePhase::InProgress | ReleasePhase::RollingBack
    );
    let observing = app.header.observing.is_some();
    let running = r.running();
    let current = r.current().map(|(p, i)| &r.list(p)[i].status);
    let mut v = Vec::new();
    if !observing && active {
        match running {
            Some((p, i)) => {
                let kind = r.list(p)[i].kind;
                if kind == StepType::Manual {
                    v.push((Action::Next, "evidence", 1));
                } else if kind == StepType::Approval && !r.trust.signed_approvals {
                    // Signed approvals come from `flightdeck approve`, not from a key here.
                    v.push((Action::Next, "approve", 1));
                } else if kind == StepType::Watch {
                    v.push((Action::ExtendWatch, "extend 5m", 1));
                    v.push((Action::EndWatch, "end early", 2));
                }
                if kind != StepType::Watch && !r.background_running().is_empty() {
                    v.push((Action::EndWatch, "end watch", 4));
                }
                v.push((Action::Cancel, "cancel", 2));
            }
            None if current.is_none() && r.ack_pending().is_some() => {
                v.push((Action::Next, "acknowledge", 1));
            }
            None if r.held().is_some() => {
                // A step held by `wait_for`: the keys act on the watch it waits for.
                if r.ack_pending().is_some() {
                    v.push((Action::Next, "acknowledge", 1));
                }
                v.push((Action::EndWatch, "end watch", 1));
                v.push((Action::ExtendWatch, "extend 5m", 2));
                v.push((Action::Skip, "skip", 4));
            }
            None if current.is_none() && !r.background_running().is_empty() => {
                v.push((Action::EndWatch, "end watch", 1));
                v.push((Action::ExtendWatch, "extend 5m", 2));
            }
            None => match current {
                Some(StepStatus::Failed(_)) => {
                    v.push((Action::Retry, "retry", 1));
                    v.push((Action::Skip, "skip", 2));
                }
                Some(StepStatus::Interrupted) => {
                    v.push((Action::Retry, "retry", 1));
                    v.push((Action::MarkDone, "mark done", 2));
                    v.push((Action::Skip, "skip", 3));
                }
                Some(_) => {
                    v.push((Action::Next, "next", 1));
                    v.push((Action::Skip, "skip", 4));
                }
                None => {}
            },
        }
    }
    let can_roll_back = r.phase == ReleasePhase::InProgress
        || r.phase == ReleasePhase::Finished(ReleaseOutcome::Completed);
    if !observing && can_roll_back {
        let label = if r.armed.is_some() {
            "ROLLBACK"
        } else {
            "rollback"
        };
        v.push((Action::Rollback, label, 1));
    }
    if !app.series.gates.is_empty() {
        v.push((Action::Chart, "chart", 4));
    }
    v.push((Action::Search, "search", 5));
    if app.logs.query().is_some() {
        v.push((Action::NextMatch, "next match", 6));
    }
    v.push((
        Action::Follow,
        if app.logs.follow { "pause" } else { "follow" },
        5,
    ));
    if app.logs.count() > 1 {
        v.push((Action::NextSource, "source", 7));
    }
    if app.focus == crate::ui::app::Focus::Services
        && app.docker.as_ref().is_some_and(|(_, defs)| defs.len() > 1)
    {
        v.push((Action::NextService, "service", 6));
    }
    v.push((Action::FocusNext, "pane", 8));
    v.push((Action::Help, "help", 0));
    v.push((Action::Quit, "quit", 0));
    v
}

pub fn render(app: &App, theme: &Theme, status: Rect, keys: Rect, buf: &mut Buffer) {
    status_line(app, theme, status, buf);
    let all = items(app);
    let labelled: Vec<(String, &str, u8, Action)> = all
        .iter()
        .filter_map(|(a, l, p)| {
            let pair = match a {
                Action::NextSource => Some(Action::PrevSource),
                Action::NextService => Some(Action::PrevService),
                _ => None,
            };
            let k = if let Some(prev) = pair {
                format!("{} {}", app.keymap.short(prev), app.keymap.short(*a))
            } else {
                app.keymap.short(*a)
            };
            (!k.is_empty()).then_some((k, *l, *p, *a))
        })
        .collect();
    let cost = |i: &(String, &str, u8, Action)| text::width(&i.0) + text::width(i.1) + 3;
    let mut budget = usize::from(keys.width).saturating_sub(1);
    let mut order: Vec<usize> = (0..labelled.len()).collect();
    order.sort_by_key(|&i| labelled[i].2);
    let mut keep = vec![false; labelled.len()];
    for i in order {
        let c = cost(&labelled[i]);
        if c <= budget {
            budget -= c;
            keep[i] = true;
        }
    }
    let mut spans = vec![Span::raw(" ")];
    for (i, (k, label, _, action)) in labelled.iter().enumerate() {
        if !keep[i] {
            continue;
        }
        let danger = *action == Action::Rollback && app.release.armed.is_some();
        let key_style = if danger { theme.danger } else { theme.key };
        spans.push(Span::styled(k.clone(), key_style));
        spans.push(Span::styled(
            format!(" {label}  "),
            if danger { theme.danger } else { theme.muted },
        ));
    }
    text::put_spans(buf, keys.x, keys.y, &spans, keys.width);
}
