//! Integration tests of the audit journal (DESIGN §5).

mod cli;
mod lock;
mod support;
mod verify;
mod writer;
