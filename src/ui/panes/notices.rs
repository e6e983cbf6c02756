//! The full-width lines under the header: the demo guide, the armed-rollback banner, the
//! finished line (`flightdeck report`) and the warning line. Each starts with a mark.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::Span;

use crate::release::{ReleaseOutcome, ReleasePhase};
use crate::ui::app::App;
use crate::ui::keymap::Action;
use crate::ui::layout::Notice;
use crate::ui::text;
use crate::ui::theme::Theme;

pub fn render(app: &App, theme: &Theme, notice: Notice, area: Rect, buf: &mut Buffer) {
    let spans: Vec<Span<'_>> = match notice {
        Notice::Guide => vec![
            Span::styled(" » ", theme.accent),
            Span::styled(app.demo_guide.clone().unwrap_or_default(), theme.accent),
        ],
        Notice::Warning => vec![
            Span::styled(" ⚠ ", theme.warn),
            Span::styled(app.header.warning.clone().unwrap_or_default(), theme.warn),
        ],
        Notice::Armed => {
            buf.set_style(area, theme.banner);
            let armed = app.release.armed.as_ref();
            let reason = armed.map(|a| a.reason.clone()).unwrap_or_default();
            let target = match app.rollback_target() {
                (Some(t), _) => format!("to {t}"),
                (None, "pick") => "to a revision you pick".to_owned(),
                (None, _) => "(no target)".to_owned(),
            };
            vec![Span::styled(
                format!(
                    " ⚠ ROLLBACK ARMED: {reason} · roll back {target}: press {} ",
                    app.keymap.short(Action::Rollback)
                ),
                theme.banner,
            )]
        }
        Notice::Finished => {
            let (mark, what, style) = match app.release.phase {
                ReleasePhase::Finished(ReleaseOutcome::Completed) => {
                    ("✔", "release completed", theme.ok)
                }
                ReleasePhase::Finished(ReleaseOutcome::RolledBack) => {
                    ("↺", "release rolled back", theme.warn)
                }
                _ => ("■", "release abandoned", theme.warn),
            };
            vec![
                Span::styled(format!(" {mark} {what}"), style),
                Span::styled(" · run ", theme.text),
                Span::styled("flightdeck report", theme.accent),
                Span::styled(" to see the report · ", theme.text),
                Span::styled(app.keymap.short(Action::Quit), theme.key),
                Span::styled(" quit", theme.text),
            ]
        }
    };
    text::put_spans(buf, area.x, area.y, &spans, area.width);
}
