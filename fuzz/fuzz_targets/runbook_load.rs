//! Fuzz the runbook parser and checker: any text in, diagnostics or a runbook out, no panic.
//! The body is `flightdeck::fuzzing::runbook_load`, which the normal suite also runs on every seed.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| flightdeck::fuzzing::runbook_load(data));
