//! Fuzz the ANSI (SGR) line parser: any text gives runs inside the text; no panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (plain, runs) = flightdeck::logs::ansi::parse(&text);
    for r in runs {
        assert!(r.start <= r.end && r.end as usize <= plain.len(), "a run outside the text");
    }
});
