//! Live Docker state as the screen reads it: containers, hosts, the model that folds the
//! watchers' messages, and the messages themselves.

mod container;
pub mod fleet;
mod model;
mod msg;

#[cfg(test)]
mod fleet_tests;
#[cfg(test)]
pub(crate) mod model_tests;

pub use container::{ContainerInfo, ContainerStats, Health, RunState};
pub use fleet::{ServiceSummary, summarize};
pub use model::{DockerModel, HostStatus, HostView};
pub use msg::DockerMsg;
