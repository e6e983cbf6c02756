//! Modals: the open prompt or overlay (one file each), its keys and its drawing. A modal
//! never acts itself: its keys give a [`ModalOutcome`] that the App carries out.

pub mod approval;
pub mod cancel;
pub mod evidence;
pub mod help;
pub mod input;
pub mod note;
pub mod picker;
pub mod quit;
pub mod rollback;

use crossterm::event::KeyEvent;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Widget};

use crate::release::{self, Phase};

use super::app::App;
use super::text;
use super::theme::Theme;
use input::TextInput;

/// What a key in a modal asks the App to do.
#[derive(Debug, Clone, PartialEq)]
pub enum ModalOutcome {
    /// Stay open (the key edited or was ignored).
    Keep,
    /// Close, saying why on the status line.
    Close(Option<String>),
    /// Send this to the release core; close on success, show the refusal on failure.
    Send(Box<release::Msg>),
    /// Quit flightdeck.
    Quit,
    /// The rollback picker chose this target: the confirmation follows.
    Pick(String),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Modal {
    Evidence(evidence::Evidence),
    Approval(approval::Approval),
    Skip(note::NotePrompt),
    MarkDone(note::NotePrompt),
    EndWatch(note::NotePrompt),
    /// A watch that saw warnings asks for their acknowledgement (DESIGN.md §10).
    AckWarnings(note::NotePrompt),
    Cancel(cancel::CancelConfirm),
    Rollback(rollback::RollbackConfirm),
    Picker(picker::RollbackPicker),
    Quit(quit::QuitConfirm),
    Help(help::Help),
    /// A trigger's chart (`g`).
    Chart(crate::ui::chart::ChartView),
}

impl Modal {
    pub fn key(&mut self, ev: &KeyEvent) -> ModalOutcome {
        match self {
            Modal::Evidence(m) => m.key(ev),
            Modal::Approval(m) => m.key(ev),
            Modal::Skip(m) | Modal::MarkDone(m) | Modal::EndWatch(m) | Modal::AckWarnings(m) => {
                m.key(ev)
            }
            Modal::Cancel(m) => m.key(ev),
            Modal::Rollback(m) => m.key(ev),
            Modal::Picker(m) => m.key(ev),
            Modal::Quit(m) => m.key(ev),
            Modal::Help(m) => m.key(ev),
            Modal::Chart(m) => m.key(ev),
        }
    }

    /// Show a refusal inside the prompt; `false` when this modal has no place for one.
    pub fn set_error(&mut self, error: String) -> bool {
        let slot = match self {
            Modal::Evidence(m) => &mut m.error,
            Modal::Approval(m) => &mut m.error,
            Modal::Skip(m) | Modal::MarkDone(m) | Modal::EndWatch(m) | Modal::AckWarnings(m) => {
                &mut m.error
            }
            _ => return false,
        };
        *slot = Some(error);
        true
    }

    /// The running step this modal answers or acts on, if any: when that step stops
    /// running, the modal no longer applies.
    pub fn running_step(&self) -> Option<(Phase, &str)> {
        match self {
            Modal::Evidence(m) => Some((m.phase, &m.step)),
            Modal::Approval(m) => Some((m.phase, &m.step)),
            Modal::Cancel(m) => Some((m.phase, &m.step)),
            _ => None,
        }
    }

    pub fn render(&self, app: &App, theme: &Theme, area: Rect, buf: &mut Buffer) {
        let body = match self {
            Modal::Evidence(m) => m.body(theme),
            Modal::Approval(m) => m.body(theme),
            Modal::Skip(m) | Modal::MarkDone(m) | Modal::EndWatch(m) | Modal::AckWarnings(m) => {
                m.body(theme)
            }
            Modal::Cancel(m) => m.body(theme),
            Modal::Rollback(m) => m.body(theme),
            Modal::Quit(m) => m.body(theme),
            Modal::Help(m) => return m.render(app, theme, area, buf),
            Modal::Picker(m) => return m.render(app.now, theme, area, buf),
            Modal::Chart(m) => return crate::ui::chart::render(app, m, theme, area, buf),
        };
        draw(&body, theme, area, buf);
    }
}

/// One row of a modal.
#[derive(Debug, Clone)]
pub enum Row<'a> {
    Text(Line<'a>),
    /// A paragraph, wrapped to the modal's width.
    Wrap(String, Style),
    Input(&'a TextInput, bool),
    Blank,
}

/// A modal's content.
pub struct Body<'a> {
    pub title: Line<'a>,
    pub border: Style,
    pub rows: Vec<Row<'a>>,
}

/// The modal's width for a screen area.
pub fn width_for(area: Rect) -> u16 {
    area.width.saturating_sub(4).clamp(area.width.min(20), 72)
}

/// A centred rectangle of at most `w`×`h` inside `area`.
pub fn centred(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}

/// Clear a box, draw its border and title, and return the inside.
pub fn frame(buf: &mut Buffer, rect: Rect, title: &Line<'_>, border: Style, theme: &Theme) -> Rect {
    Clear.render(rect, buf);
    let block = Block::bordered().border_style(border).style(theme.text);
    let inner = block.inner(rect);
    block.render(rect, buf);
    // Drawn by hand so that a long title ends in `…` instead of being cut silently.
    text::put_spans(
        buf,
        rect.x + 1,
        rect.y,
        &title.spans,
        rect.width.saturating_sub(2),
    );
    inner
}

fn draw(body: &Body<'_>, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let w = width_for(area);
    let inner_w = usize::from(w.saturating_sub(4));
    let mut lines: Vec<Row<'_>> = Vec::new();
    for r in &body.rows {
        match r {
            Row::Wrap(s, style) => lines.extend(
                text::wrap(s, inner_w)
                    .into_iter()
                    .map(|l| Row::Text(Line::from(Span::styled(l, *style)))),
            ),
            other => lines.push(other.clone()),
        }
    }
    let h = u16::try_from(lines.len() + 2).unwrap_or(u16::MAX);
    let rect = centred(area, w, h);
    let inner = frame(buf, rect, &body.title, body.border, theme);
    let x = inner.x + 1;
    let room = inner.width.saturating_sub(2);
    for (row, y) in lines.iter().zip(inner.top()..inner.bottom()) {
        match row {
            Row::Text(line) => {
                text::put_spans(buf, x, y, &line.spans, room);
            }
            Row::Input(input, focused) => {
                let style = if *focused { theme.input } else { theme.muted };
                input.render(buf, Rect::new(x, y, room, 1), "> ", style, theme.accent);
            }
            Row::Wrap(..) | Row::Blank => {}
        }
    }
}

/// `label` in the key style followed by `what` in the muted style, for hint rows.
pub fn hint<'a>(pairs: &[(&'a str, &'a str)], theme: &Theme) -> Line<'a> {
    let mut spans = Vec::new();
    for (i, (k, what)) in pairs.iter().enumerate() {
        if i > 0 {
            spans.push(Span::styled(" · ", theme.muted));
        }
        spans.push(Span::styled(*k, theme.key));
        spans.push(Span::styled(format!(" {what}"), theme.muted));
    }
    Line::from(spans)
}

/// An error row (a refusal from the core), marked so it does not rely on colour.
pub fn error_row<'a>(error: Option<&String>, theme: &Theme) -> Option<Row<'a>> {
    error.map(|e| Row::Wrap(format!("✖ {e}"), theme.fail))
}
