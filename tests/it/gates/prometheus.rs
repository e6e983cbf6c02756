//! `prometheus` gates against Debian's real Prometheus, started per test on a free 127.0.0.1
//! port, scraping the demo service every second: pass, fail after the error rate is switched
//! to 0.2 (with the measured ratio in the message), error once Prometheus is stopped.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use flightdeck::exec::gates::{GateCx, GateOutcome, GateState};

use crate::skip::{Component, need};

use super::support::{Demo, closed_port, cx, eval};

/// A Prometheus process with its own config and storage, killed on drop.
pub struct Prometheus {
    pub child: Child,
    pub port: u16,
}

impl Prometheus {
    /// Start Prometheus in `dir`, scraping `127.0.0.1:{target}` every second.
    pub fn start(dir: &std::path::Path, target: u16) -> Prometheus {
        Self::start_on(dir, closed_port(), &[("demo", target)])
    }

    /// Start Prometheus on `127.0.0.1:{port}`, scraping each `(job, port)` on 127.0.0.1 every
    /// second, with its config, storage and log under `dir`.
    pub fn start_on(dir: &std::path::Path, port: u16, targets: &[(&str, u16)]) -> Prometheus {
        use std::fmt::Write as _;
        std::fs::create_dir_all(dir).unwrap();
        let config = dir.join("prometheus.yml");
        let mut yml = String::from(
            "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n",
        );
        for (job, target) in targets {
            let _ = write!(
                yml,
                "  - job_name: {job}\n    scrape_interval: 1s\n    static_configs:\n      - targets: ['127.0.0.1:{target}']\n"
            );
        }
        std::fs::write(&config, yml).unwrap();
        let log = std::fs::File::create(dir.join("prometheus.log")).unwrap();
        let child = Command::new("prometheus")
            .arg(format!("--config.file={}", config.display()))
            .arg(format!(
                "--storage.tsdb.path={}",
                dir.join("data").display()
            ))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("prometheus starts");
        Prometheus { child, port }
    }
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Evaluate every second until `want` (at most `secs` seconds); the last outcome.
async fn until(g: &str, cx: &GateCx, want: GateState, secs: u64) -> GateOutcome {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        let o = eval(g, cx).await;
        if o.state == want || Instant::now() > deadline {
            return o;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn error_rate_passes_then_fails_then_errors_without_prometheus() {
    if !need(Component::Prometheus) {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let rate_file = tmp.path().join("fail-rate");
    let demo = Demo::start(&["--fail-rate-file", rate_file.to_str().unwrap()]);
    let prom = Prometheus::start(tmp.path(), demo.port);
    let g = format!(
        "[[gates]]\nid = \"error-rate\"\nkind = \"prometheus\"\nserver = \"http://127.0.0.1:{}\"\nquery = 'sum(rate(http_requests_total{{code=\"500\"}}[10s])) / sum(rate(http_requests_total[10s]))'\nfailure_condition = \"result > 0.05\"\n",
        prom.port
    );
    let cx = cx(tmp.path());

    let o = until(&g, &cx, GateState::Pass, 60).await;
    let log = || std::fs::read_to_string(tmp.path().join("prometheus.log")).unwrap_or_default();
    assert_eq!(o.state, GateState::Pass, "{o:?}\n{}", log());
    assert_eq!(o.value, serde_json::json!(0.0), "{o:?}");
    assert_eq!(o.message, "0 (not `result > 0.05`)");

    std::fs::write(&rate_file, "0.2").unwrap();
    let o = until(&g, &cx, GateState::Fail, 40).await;
    assert_eq!(o.state, GateState::Fail, "{o:?}\n{}", log());
    let ratio = o.value.as_f64().unwrap();
    assert!(ratio > 0.05 && ratio <= 0.2, "{o:?}");
    assert_eq!(
        o.message,
        format!(
            "{}: failure_condition `result > 0.05` is true",
            flightdeck::exec::gates::fmt_num(ratio)
        )
    );

    drop(prom);
    let o = eval(&g, &cx).await;
    assert_eq!(o.state, GateState::Error, "{o:?}");
    assert!(o.message.contains("cannot connect"), "{}", o.message);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_empty_result_is_an_error_not_a_pass() {
    if !need(Component::Prometheus) {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let demo = Demo::start(&[]);
    let prom = Prometheus::start(tmp.path(), demo.port);
    let cx = cx(tmp.path());
    let up = format!(
        "[[gates]]\nid = \"up\"\nkind = \"prometheus\"\nserver = \"http://127.0.0.1:{}\"\nquery = 'up'\nsuccess_condition = \"result == 1\"\n",
        prom.port
    );
    let o = until(&up, &cx, GateState::Pass, 60).await;
    assert_eq!(o.state, GateState::Pass, "{o:?}");
    let none = up.replace("query = 'up'", "query = 'no_such_metric_total'");
    let o = eval(&none, &cx).await;
    assert_eq!(o.state, GateState::Error, "{o:?}");
    assert_eq!(o.message, "the query returned no data (an empty vector)");
    let bad = up.replace("query = 'up'", "query = 'sum(('");
    let o = eval(&bad, &cx).await;
    assert_eq!(o.state, GateState::Error, "{o:?}");
    assert!(o.message.starts_with("query failed (400)"), "{}", o.message);
}
