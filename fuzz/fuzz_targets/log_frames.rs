//! Fuzz the log-line assembler: the input is cut into Docker payload chunks (each first byte
//! is the next chunk's length), reassembled into lines, split off their timestamps, and built
//! into ring lines (UTF-8 replacement, truncation, ANSI, masking); no panic.
#![no_main]

use flightdeck::logs::Masker;
use flightdeck::logs::ring::LogLine;
use flightdeck::watch::logs_frame::{Assembler, split_ts};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let masker = Masker::new(["s3cr3t-value"]);
    let mut asm = Assembler::default();
    let mut out = Vec::new();
    let mut rest = data;
    while let Some((&n, tail)) = rest.split_first() {
        let n = usize::from(n).min(tail.len());
        let (chunk, next) = tail.split_at(n);
        let (_, body) = split_ts(chunk);
        asm.frame(body, &mut out);
        rest = next;
    }
    asm.finish(&mut out);
    for raw in out {
        let _ = LogLine::from_parts(&raw.bytes, raw.cut, raw.ts, &masker);
    }
});
