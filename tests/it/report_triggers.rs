//! The report's "Triggers" section and its SVG charts, end to end: a real headless release
//! whose watch measures the demo service's error rate, then `flightdeck report -o OUT`; the
//! charts land in `<stem>-charts/` beside OUT, are linked relatively, and render with
//! Debian's `rsvg-convert`.

use std::time::Duration;

use crate::run::{Dir, out};
use crate::skip::{self, Component};
use crate::watch::Service;

fn runbook(port: u16) -> String {
    format!(
        r#"
[release]
name = "app"
environment = "staging"
version = "2.0.0"

[[gates]]
id = "error-rate"
kind = "http"
url = "http://127.0.0.1:{port}/stats"
json = {{ path = "$.error_rate", condition = "result <= 0.05" }}
interval = "1s"

[[steps]]
id = "deploy"
kind = "run"
run = "echo v2 > version.txt"

[[steps]]
id = "soak"
kind = "watch"
duration = "6s"
triggers = ["error-rate"]

[[rollback.steps]]
kind = "run"
run = "echo v1 > version.txt"
"#
    )
}

/// How many `gate-result` records the release's journal holds so far.
fn measured(dir: &std::path::Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir.join(".flightdeck/journal")) else {
        return 0;
    };
    entries
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "jsonl"))
        .filter_map(|e| std::fs::read_to_string(e.path()).ok())
        .map(|t| t.matches(r#""kind":"gate-result""#).count())
        .sum()
}

/// The attribute `name` of the first element of class `class`.
fn attr<'a>(svg: &'a str, class: &str, name: &str) -> &'a str {
    let at = svg
        .find(&format!(r#"class="{class}""#))
        .unwrap_or_else(|| panic!("no {class}: {svg}"));
    let rest = &svg[at..];
    let start = rest.find(&format!(r#" {name}=""#)).expect("attribute") + name.len() + 3;
    let end = start + rest[start..].find('"').expect("closing quote");
    &rest[start..end]
}

#[test]
fn the_report_has_a_triggers_section_and_an_svg_chart_per_trigger() {
    let d = Dir::new("");
    d.write("rate", "0.01");
    let svc = Service::start(d.path(), "rate");
    d.write("flightdeck.toml", &runbook(svc.port));
    // The rate goes up once the watch has measured twice (however slow the machine is).
    let path = d.path().to_path_buf();
    let flip = std::thread::spawn(move || {
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        while std::time::Instant::now() < deadline {
            if measured(&path) >= 2 {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        std::fs::write(path.join("rate"), "0.03").expect("flip");
    });
    let o = d
        .cmd(&["run", "--plain", "--auto-approve"])
        .output()
        .expect("runs");
    flip.join().expect("flipped");
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));

    std::fs::create_dir(d.path().join("out")).expect("out dir");
    let o = d
        .cmd(&["report", "-o", "out/evidence.md"])
        .output()
        .expect("reports");
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    let md = std::fs::read_to_string(d.path().join("out/evidence.md")).expect("report");
    assert!(md.contains("## Triggers\n"), "{md}");
    assert!(
        md.contains("| Trigger | Watch | Samples | Pass | Warn | Fail | Error | Min | Median | p95 | Max | Threshold | Baseline |"),
        "{md}"
    );
    let row = md
        .lines()
        .find(|l| l.starts_with("| `error-rate` | soak |"))
        .unwrap_or_else(|| panic!("a row for error-rate: {md}"));
    let cells: Vec<&str> = row.split('|').map(str::trim).collect();
    let samples: usize = cells[3].parse().expect("samples");
    assert!(samples >= 3, "one measurement a second for 6 s: {row}");
    assert_eq!(cells[4], samples.to_string(), "every one passed: {row}");
    assert_eq!(&cells[5..8], ["0", "0", "0"], "{row}");
    assert_eq!(cells[8], "0.01", "min: {row}");
    assert_eq!(cells[11], "0.03", "max: {row}");
    assert_eq!(cells[12], "`result <= 0.05`", "threshold: {row}");
    assert_eq!(cells[13], "-", "no baseline: {row}");
    assert!(
        md.contains("![chart of `error-rate`](evidence-charts/error-rate.svg)"),
        "linked relative to the report: {md}"
    );
    assert!(md.contains("No trigger tripped."), "{md}");

    let svg_path = d.path().join("out/evidence-charts/error-rate.svg");
    let svg = std::fs::read_to_string(&svg_path).expect("the chart beside the report");
    let poly = attr(&svg, "values", "points");
    assert_eq!(
        poly.split(' ').count(),
        samples,
        "a point per sample: {poly}"
    );
    // Values 0.01‥0.03 and the threshold 0.05: y from 0.006 to 0.054 over 200 px from y=40.
    assert_eq!(attr(&svg, "threshold", "y1"), "56.7", "{svg}");
    assert_eq!(svg.matches(r#"class="mark pass""#).count(), samples);

    // Written to stdout, the report says how to get the charts instead.
    let o = d.cmd(&["report"]).output().expect("reports");
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("| `error-rate` | soak |"), "{text}");
    assert!(text.contains("report -o OUT"), "{text}");

    if !skip::need(Component::Rsvg) {
        return;
    }
    let png = d.path().join("out/error-rate.png");
    let o = std::process::Command::new("rsvg-convert")
        .arg("-o")
        .arg(&png)
        .arg(&svg_path)
        .output()
        .expect("rsvg-convert runs");
    assert!(o.status.success(), "rsvg-convert: {}", out(&o));
    let bytes = std::fs::read(&png).expect("png");
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "a PNG");
    assert_eq!(&bytes[12..16], b"IHDR");
    let be = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
    assert_eq!((be(&bytes[16..20]), be(&bytes[20..24])), (720, 300));
    assert!(
        bytes.len() > 4_000,
        "a drawn chart, not a blank: {}",
        bytes.len()
    );
}
