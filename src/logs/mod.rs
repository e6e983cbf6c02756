//! Log text handling: secret masking, ANSI colours, and the bounded ring each source keeps.

pub mod ansi;
pub mod mask;
pub mod query;
pub mod ring;
#[cfg(test)]
mod ring_tests;

pub use mask::{MASK, Masker};
pub use query::Query;
pub use ring::{LineKind, LogLine, Ring};
