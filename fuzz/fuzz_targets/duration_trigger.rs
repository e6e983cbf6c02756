//! Fuzz durations and rollback triggers: duration strings through the runbook's parser (and a
//! templated duration), then a trigger driven with those durations, limits and measurement
//! times; no panic, nothing over the one-year bound, no due time before what it follows.
//! The body is `flightdeck::fuzzing::duration_trigger`, which the normal suite also runs on every seed.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| flightdeck::fuzzing::duration_trigger(data));
