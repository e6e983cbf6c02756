//! Log text handling: secret masking (the ring buffer, ANSI and search come with the log issue).

pub mod mask;

pub use mask::{MASK, Masker};
