//! Fuzz the journal reader and verifier: any bytes as a journal file, no panic.
#![no_main]

use flightdeck::journal::{Hasher, read, verify};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(dir) = tempfile::tempdir() else {
        return;
    };
    let path = dir.path().join("app-1-20261125T060000Z.jsonl");
    if std::fs::write(&path, data).is_err() {
        return;
    }
    let _ = read(&path);
    let _ = verify(&path, &Hasher::plain());
});
