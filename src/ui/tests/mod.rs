//! Tests of the cockpit: pure update tests, snapshots and style asserts.
