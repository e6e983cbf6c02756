//! Fuzz the condition compiler and evaluator: the first line is the condition, the rest a JSON
//! value (or a string when it is not JSON); no panic.
//! The body is `flightdeck::fuzzing::condition_eval`, which the normal suite also runs on every seed.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| flightdeck::fuzzing::condition_eval(data));
