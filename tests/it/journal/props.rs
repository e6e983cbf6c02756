//! Property: any single edit, deletion, swap or truncation is caught at the expected line.

use flightdeck::journal::{Hasher, verify};
use proptest::prelude::*;

use super::support::Fixture;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn any_single_tampering_is_named(n in 2usize..9, k in 0usize..9, op in 0u8..4) {
        let k = k % n;
        let fx = Fixture::with_records(n, &Hasher::plain());
        let expected = match op {
            0 => {
                fx.tamper(|l| l[k] = l[k].replace("alice", "mallory"));
                k + 1
            }
            1 => {
                fx.tamper(|l| { l.remove(k); });
                k + 1
            }
            2 => {
                let k = k.min(n - 2);
                fx.tamper(|l| l.swap(k, k + 1));
                k + 2
            }
            _ => {
                fx.tamper(|l| l.truncate(k));
                k + 1
            }
        };
        let report = verify(&fx.path, &Hasher::plain());
        let lines: Vec<usize> = report.problems.iter().map(|p| p.line).collect();
        prop_assert_eq!(lines, vec![expected], "op {} k {} n {}: {:?}", op, k, n, report);
    }
}
