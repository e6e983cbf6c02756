//! flightdeck library.

pub mod journal;
