//! The runbook file format: typed model, loading with exact spans, templates and conditions.

pub mod check;
pub mod condition;
mod condition_guard;
pub mod diag;
pub mod duration;
pub mod load;
pub mod schema;
pub mod template;

pub use check::{CheckReport, Summary, check_file};
pub use condition::Condition;
pub use diag::{Diagnostic, Severity, line_col};
pub use load::{LoadFailure, Loaded, load_file, load_str};
pub use schema::*;
pub use template::{
    Context, RenderError, apply_overrides, referenced_variables, render, render_duration,
    render_shell,
};
