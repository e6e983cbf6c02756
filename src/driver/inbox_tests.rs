//! Tests of `inbox`.

use super::*;

#[test]
fn only_complete_visible_json_files_directly_in_the_inbox_are_taken() {
    use notify::event::{AccessKind, AccessMode, CreateKind, ModifyKind, RenameMode};
    assert!(complete(notify::EventKind::Modify(ModifyKind::Name(
        RenameMode::To
    ))));
    assert!(complete(notify::EventKind::Access(AccessKind::Close(
        AccessMode::Write
    ))));
    assert!(!complete(notify::EventKind::Create(CreateKind::File)));
    let dir = tempfile::tempdir().unwrap();
    let inbox = dir.path().join("inbox");
    std::fs::create_dir(&inbox).unwrap();
    assert!(is_candidate(&inbox, &inbox.join("cab.bob.1.json")));
    assert!(!is_candidate(&inbox, &inbox.join(".approval-x.tmp")));
    assert!(!is_candidate(&inbox, &inbox.join(".cab.json")));
    assert!(!is_candidate(&inbox, &inbox.join("cab.bob.1.txt")));
    assert!(!is_candidate(
        &inbox,
        &inbox.join("rejected/cab.bob.1.json")
    ));
}

#[test]
fn private_inbox_dirs_are_the_operators_alone() {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = tempfile::tempdir().unwrap();
    let sd = StateDir::new(dir.path().join(".flightdeck"));
    std::fs::create_dir(&sd.root).unwrap();
    let inbox = make_dirs(&sd).unwrap();
    for d in [inbox.clone(), inbox.join("rejected")] {
        let mode = std::fs::metadata(&d).unwrap().permissions().mode() & 0o7777;
        assert_eq!(mode, 0o700, "{}", d.display());
    }
    // Again: nothing to change, no error.
    make_dirs(&sd).unwrap();
}
