//! The demo environment's parts. [`service`]: a small HTTP service (health, version, metrics,
//! a failure rate switchable at run time) that demos and tests release against.

pub mod service;
