//! `run --key PATH` seals the journal as `FLIGHTDECK_KEY` does (the sealer once read only the
//! environment variable, and `--key` named the operator but left every seal skipped).

// Tests unwrap: a panic is the failure report.
#![allow(clippy::unwrap_used)]

use flightdeck::journal::Kind;

use super::{Fixture, RUNBOOK, of_kind};
use crate::run::out;

#[test]
fn run_key_signs_the_seals_without_flightdeck_key() {
    let f = Fixture::new(&RUNBOOK.replace("remote = \"origin\"\n", ""));
    let key = f.key();
    let o = f
        .cmd(&[
            "run",
            "--plain",
            "--auto-approve",
            "--operator",
            "alice",
            "--key",
            key.to_str().unwrap(),
        ])
        .env_remove("FLIGHTDECK_KEY")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    let records = f.records();
    assert!(
        of_kind(&records, Kind::SealSkipped).is_empty(),
        "{records:#?}"
    );
    let seals = of_kind(&records, Kind::Seal);
    assert!(seals.len() >= 2, "{records:#?}");
    for s in &seals {
        assert!(
            s.data["key"].as_str().unwrap().starts_with("SHA256:"),
            "{s:?}"
        );
    }
    let v = f
        .cmd(&["journal", "verify"])
        .env_remove("FLIGHTDECK_KEY")
        .output()
        .unwrap();
    assert_eq!(v.status.code(), Some(0), "{}", out(&v));
}
