//! Fuzz the ANSI (SGR) line parser: any text gives runs inside the text; no panic.
//! The body is `flightdeck::fuzzing::ansi_parse`, which the normal suite also runs on every seed.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| flightdeck::fuzzing::ansi_parse(data));
