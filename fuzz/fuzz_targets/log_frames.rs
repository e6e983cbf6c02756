//! Fuzz the log-line assembler: the input is cut into Docker payload chunks (each first byte
//! is the next chunk's length), reassembled into lines, split off their timestamps, and built
//! into ring lines (UTF-8 replacement, truncation, ANSI, masking); no panic, no secret left.
//! The body is `flightdeck::fuzzing::log_frames`, which the normal suite also runs on every seed.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| flightdeck::fuzzing::log_frames(data));
