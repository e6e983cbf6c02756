//! The one integration test crate (DESIGN.md §2): every module is one area, end to end.
mod check;
mod demo;
mod docker;
mod examples;
mod faults;
mod fuzz;
mod gates;
mod journal;
mod mask;
mod picker;
mod report;
mod resume;
mod revisions;
mod run;
mod tmux;
mod watch;
mod watch_prom;
