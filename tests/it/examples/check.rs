//! Every example passes `flightdeck check`.

use assert_cmd::Command;

use super::support::root;

#[test]
fn every_example_passes_check() {
    let dir = root().join("examples");
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| {
            let p = e.unwrap().path().join("flightdeck.toml");
            p.exists().then(|| p.display().to_string())
        })
        .collect();
    files.sort();
    assert!(files.len() >= 2, "examples: {files:?}");
    let o = Command::cargo_bin("flightdeck")
        .unwrap()
        .arg("check")
        .args(&files)
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&o.stdout);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(!stderr.contains("warning"), "{stderr}");
    for f in &files {
        assert!(stdout.contains(&format!("ok: {f}")), "{f}: {stdout}");
    }
}
