//! Integration tests of the audit journal (DESIGN §5).

mod cli;
mod lock;
mod props;
mod support;
mod verify;
mod writer;
