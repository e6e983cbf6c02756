//! Fuzz the runbook parser and checker: any text in, diagnostics or a runbook out, no panic.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(src) = std::str::from_utf8(data) {
        let _ = flightdeck::runbook::load_str(src, Path::new("fuzz.toml"));
    }
});
