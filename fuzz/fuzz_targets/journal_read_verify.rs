//! Fuzz the journal reader and verifier: any bytes as a journal file, no panic.
//! The body is `flightdeck::fuzzing::journal_read_verify`, which the normal suite also runs on every seed.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| flightdeck::fuzzing::journal_read_verify(data));
