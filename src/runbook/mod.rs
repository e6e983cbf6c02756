//! The runbook file format: typed model, loading with exact spans, templates and conditions.

pub mod schema;

pub use schema::*;
