//! Integration tests of the audit journal (DESIGN §5).

mod append_batch;
mod cli;
mod committer;
mod lock;
mod props;
mod support;
mod verify;
mod writer;
