//! `flightdeck demo-service`: a tiny HTTP/1.1 service on 127.0.0.1 for demos and tests.
//!
//! | path | answer |
//! | --- | --- |
//! | `/health` | 200 `ok`, or 503 `down` while `--down-file` exists |
//! | `/api/system/version` | `{"version", "sha", "environment"}` |
//! | `/metrics` | Prometheus text: `http_requests_total{code="…"}` counters and the latency histogram `http_request_duration_seconds` ([`super::latency`]) |
//! | `/stats` | `{"error_rate", "requests"}` |
//! | `/work` | 500 at the fail rate, else 200 |
//! | `/slow` | 200 after `--delay-ms` |
//!
//! The fail rate is `--fail-rate`, overridden by the content of `--fail-rate-file` while that
//! file exists. Failures are spread evenly (a rate of 0.2 fails exactly every fifth request).
//! Synthetic `/work` traffic (`--synthetic-rps`) keeps the counters moving with no client.
//! Every answered request, synthetic ones included, is timed into the histogram (from its
//! request head read to its response written), so `/slow` after `--delay-ms` shows there.
//! GET and HEAD only; every response closes the connection.

use std::fmt::Write as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::Duration;

use color_eyre::eyre::{Result, WrapErr};
use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use super::latency::Histogram;
use crate::cli::DemoServiceArgs;

/// Longest request head read.
const MAX_HEAD: usize = 8 * 1024;

/// The status codes the service answers with (`http_requests_total` has one series each).
const CODES: [u16; 6] = [200, 400, 404, 405, 500, 503];
/// The fail-rate accumulator's unit: a millionth of a request.
const WHOLE: u64 = 1_000_000;

#[derive(Default)]
struct Counters {
    /// Served responses, by the index of their code in [`CODES`].
    by_code: [AtomicU64; CODES.len()],
    /// `/work` requests, real and synthetic.
    work: AtomicU64,
    /// Fail-rate accumulator in millionths: a request fails each time it reaches [`WHOLE`].
    debt: AtomicU64,
    /// Request latency, `http_request_duration_seconds`.
    latency: Histogram,
}

struct Service {
    args: DemoServiceArgs,
    sha: String,
    counters: Counters,
}

impl Service {
    fn new(args: DemoServiceArgs) -> Self {
        let sha = args.sha.clone().unwrap_or_else(|| {
            hex::encode(Sha256::digest(args.service_version.as_bytes()))[..12].to_owned()
        });
        Self {
            args,
            sha,
            counters: Counters::default(),
        }
    }

    /// The fail rate now: the file's number while it exists, else `--fail-rate`.
    fn fail_rate(&self) -> f64 {
        let from_file = self
            .args
            .fail_rate_file
            .as_ref()
            .and_then(|p| std::fs::read_to_string(p).ok())
            .and_then(|t| t.trim().parse::<f64>().ok());
        from_file.unwrap_or(self.args.fail_rate).clamp(0.0, 1.0)
    }

    /// One `/work` request: 200 or 500, by the fail rate.
    fn work(&self) -> u16 {
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let add = (self.fail_rate() * 1e6).round() as u64;
        let c = &self.counters;
        c.work.fetch_add(1, Relaxed);
        let step = |d: u64| Some((d + add).checked_sub(WHOLE).unwrap_or(d + add));
        let before = c.debt.fetch_update(Relaxed, Relaxed, step).unwrap_or(0);
        if before + add >= WHOLE { 500 } else { 200 }
    }

    fn count(&self, code: u16) {
        if let Some(i) = CODES.iter().position(|c| *c == code) {
            self.counters.by_code[i].fetch_add(1, Relaxed);
        }
    }

    fn metrics(&self) -> String {
        let mut s = String::from(
            "# HELP http_requests_total Requests served, by status code.\n# TYPE http_requests_total counter\n",
        );
        for (code, n) in CODES.iter().zip(&self.counters.by_code) {
            let n = n.load(Relaxed);
            // 200 and 500 always (the error-rate queries divide by them); others once seen.
            if n > 0 || matches!(code, 200 | 500) {
                let _ = writeln!(s, "http_requests_total{{code=\"{code}\"}} {n}");
            }
        }
        let _ = writeln!(
            s,
            "# HELP demo_service_info The version served.\n# TYPE demo_service_info gauge\ndemo_service_info{{version=\"{}\"}} 1",
            self.args.service_version
        );
        self.counters.latency.write(&mut s);
        s
    }

    async fn answer(&self, path: &str) -> (u16, &'static str, String) {
        const TEXT: &str = "text/plain; charset=utf-8";
        const JSON: &str = "application/json";
        match path {
            "/health" => {
                let down = self.args.down_file.as_ref().is_some_and(|p| p.exists());
                if down {
                    (503, TEXT, "down\n".into())
                } else {
                    (200, TEXT, "ok\n".into())
                }
            }
            "/api/system/version" => {
                let body = serde_json::json!({
                    "version": self.args.service_version,
                    "sha": self.sha,
                    "environment": self.args.environment,
                });
                (200, JSON, body.to_string())
            }
            "/metrics" => (200, "text/plain; version=0.0.4", self.metrics()),
            "/stats" => {
                let requests = self.counters.work.load(Relaxed);
                let body =
                    serde_json::json!({"error_rate": self.fail_rate(), "requests": requests});
                (200, JSON, body.to_string())
            }
            "/work" => match self.work() {
                500 => (500, TEXT, "error\n".into()),
                code => (code, TEXT, "ok\n".into()),
            },
            "/slow" => {
                tokio::time::sleep(Duration::from_millis(self.args.delay_ms)).await;
                (200, TEXT, "slow ok\n".into())
            }
            _ => (404, TEXT, "not found\n".into()),
        }
    }
}

fn reason(code: u16) -> &'static str {
    match code {
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "",
    }
}

/// Read the request head (bounded in size and time); `None` for a broken request.
async fn read_head(conn: &mut TcpStream) -> Option<String> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 1024];
    let read = async {
        while !buf.windows(4).any(|w| w == b"\r\n\r\n") && buf.len() < MAX_HEAD {
            let n = conn.read(&mut chunk).await.ok()?;
            if n == 0 {
                break;
            }
            buf.extend_from_slice(&chunk[..n]);
        }
        Some(())
    };
    tokio::time::timeout(Duration::from_secs(5), read)
        .await
        .ok()??;
    Some(String::from_utf8_lossy(&buf).into_owned())
}

async fn handle(mut conn: TcpStream, svc: Arc<Service>) {
    let Some(head) = read_head(&mut conn).await else {
        return;
    };
    let started = std::time::Instant::now();
    let mut parts = head.lines().next().unwrap_or_default().split_whitespace();
    let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let path = target.split('?').next().unwrap_or("");
    let (code, ctype, body) = match method {
        "GET" | "HEAD" => svc.answer(path).await,
        "" => (400, "text/plain", "bad request\n".into()),
        _ => (405, "text/plain", "GET only\n".into()),
    };
    svc.count(code);
    let mut resp = format!(
        "HTTP/1.1 {code} {}\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        reason(code),
        body.len()
    );
    if method != "HEAD" {
        resp.push_str(&body);
    }
    let _ = conn.write_all(resp.as_bytes()).await;
    let _ = conn.shutdown().await;
    svc.counters.latency.observe(started.elapsed());
}

/// Serve until interrupted. Prints `demo-service V listening on http://127.0.0.1:PORT` first.
pub async fn run(args: DemoServiceArgs) -> Result<i32> {
    let listener = TcpListener::bind(("127.0.0.1", args.port))
        .await
        .wrap_err_with(|| format!("cannot listen on 127.0.0.1:{}", args.port))?;
    let addr = listener.local_addr()?;
    println!(
        "demo-service {} listening on http://{addr}",
        args.service_version
    );
    let svc = Arc::new(Service::new(args));
    if svc.args.synthetic_rps > 0 {
        let s = svc.clone();
        tokio::spawn(async move {
            let every = Duration::from_secs(1) / s.args.synthetic_rps;
            let mut tick = tokio::time::interval(every);
            loop {
                tick.tick().await;
                let started = std::time::Instant::now();
                let code = s.work();
                s.count(code);
                s.counters.latency.observe(started.elapsed());
            }
        });
    }
    let stop = tokio::signal::ctrl_c();
    tokio::pin!(stop);
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                if let Ok((conn, _)) = accepted {
                    tokio::spawn(handle(conn, svc.clone()));
                }
            }
            _ = &mut stop => return Ok(0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    fn svc(rate: f64) -> Service {
        let cli = crate::cli::Cli::parse_from(["flightdeck", "demo-service", "--port", "0"]);
        let crate::cli::Command::DemoService(mut args) = cli.command else {
            panic!("parsed another command");
        };
        args.fail_rate = rate;
        Service::new(args)
    }

    #[test]
    fn failures_are_spread_evenly_at_the_rate() {
        let s = svc(0.2);
        let codes: Vec<u16> = (0..10).map(|_| s.work()).collect();
        assert_eq!(codes.iter().filter(|c| **c == 500).count(), 2);
        assert_eq!(codes[4], 500);
        let s = svc(0.0);
        assert!((0..50).all(|_| s.work() == 200));
    }

    #[test]
    fn metrics_name_both_codes_from_the_start() {
        let s = svc(0.0);
        let m = s.metrics();
        assert!(m.contains("http_requests_total{code=\"200\"} 0"), "{m}");
        assert!(m.contains("http_requests_total{code=\"500\"} 0"), "{m}");
        s.count(500);
        assert!(s.metrics().contains("http_requests_total{code=\"500\"} 1"));
        assert!(
            !s.metrics().contains("code=\"404\""),
            "unseen codes are left out"
        );
        s.count(404);
        assert!(s.metrics().contains("http_requests_total{code=\"404\"} 1"));
    }

    #[test]
    fn metrics_carry_the_latency_histogram() {
        let s = svc(0.0);
        s.counters.latency.observe(Duration::from_millis(30));
        s.counters.latency.observe(Duration::from_millis(2_300));
        let m = s.metrics();
        assert!(
            m.contains("# TYPE http_request_duration_seconds histogram\n"),
            "{m}"
        );
        for want in [
            "http_request_duration_seconds_bucket{le=\"0.05\"} 1\n",
            "http_request_duration_seconds_bucket{le=\"2\"} 1\n",
            "http_request_duration_seconds_bucket{le=\"2.5\"} 2\n",
            "http_request_duration_seconds_bucket{le=\"+Inf\"} 2\n",
            "http_request_duration_seconds_sum 2.33\n",
            "http_request_duration_seconds_count 2\n",
        ] {
            assert!(m.contains(want), "missing {want:?} in\n{m}");
        }
    }

    #[test]
    fn concurrent_work_keeps_the_rate_exact() {
        let s = Arc::new(svc(0.25));
        let threads: Vec<_> = (0..4)
            .map(|_| {
                let s = Arc::clone(&s);
                std::thread::spawn(move || (0..1000).filter(|_| s.work() == 500).count())
            })
            .collect();
        let failed: usize = threads.into_iter().map(|t| t.join().unwrap()).sum();
        assert_eq!(failed, 1000, "a quarter of 4,000 requests");
        assert_eq!(s.counters.work.load(Relaxed), 4000);
    }
}
