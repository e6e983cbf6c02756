//! flightdeck library.
