//! The full-screen cockpit (DESIGN.md §2, §4): `App` owns the UI state and `App::update` is
//! pure; `render` draws it, pure; themes, keymap and terminal setup live beside them.
//!
//! The event loop calls: [`App::new`], [`App::update`] (performing the returned
//! [`AppEffect`]s), [`render()`] when [`App::dirty`] (then [`App::clear_dirty`]),
//! [`App::next_redraw_deadline`] to schedule `AppMsg::Tick`, [`Theme::load`],
//! [`Keymap::load`] and [`terminal`]'s `enter`/`restore`/`install_panic_hook`/`draw`.

pub mod app;
pub mod approvals;
pub mod chart;
mod dispatch;
mod input;
pub mod keymap;
pub mod keyspec;
pub mod layout;
mod logmerge;
pub mod logs;
pub mod logview;
mod logwindow;
pub mod merge;
pub mod modal;
pub mod model;
mod mouse;
mod msg;
pub mod panes;
mod prompts;
pub mod render;
mod revisions;
mod scroll;
pub mod series;
mod service_select;
pub mod terminal;
pub mod text;
pub mod theme;
pub mod throttle;
mod warning;

#[cfg(test)]
mod tests;

pub use app::{App, AppEffect, AppMsg, Focus};
pub use keymap::{Action, Keymap};
pub use model::{GateRow, GateState, Header};
pub use render::render;
pub use theme::Theme;

/// A configuration error (theme or keymap file), naming the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UiError(pub String);

impl std::fmt::Display for UiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UiError {}
