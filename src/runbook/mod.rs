//! The runbook file format: typed model, loading with exact spans, templates and conditions.

pub mod condition;
pub mod diag;
pub mod schema;
pub mod template;

pub use condition::Condition;
pub use diag::{Diagnostic, Severity, line_col};
pub use schema::*;
pub use template::{
    Context, RenderError, apply_overrides, referenced_variables, render, render_duration,
    render_shell,
};
