//! Delivering `[[notifications]]` (DESIGN.md §10): one webhook POST per event, in the
//! background, retried a bounded number of times. Every attempt is reported as a
//! `notification` record that names the URL without its path (webhook paths carry tokens)
//! and never its headers; the receiver gets the real URL and headers.

use std::time::Duration;

use serde::Serialize;
use serde_json::{Value, json};
use tokio::sync::mpsc;
use url::Url;

use super::gates::http::{self, client, describe};
use super::resolve::Resolved;
use crate::logs::Masker;
use crate::release::{Event, Msg};
use crate::runbook::template::{self, Context};
use crate::runbook::{NotifyEvent, NotifyFormat};

/// Attempts per notification (the first and its retries).
pub const ATTEMPTS: u32 = 3;
/// The wait before the first retry; each retry doubles it.
pub const BACKOFF: Duration = Duration::from_millis(500);
/// Each attempt's timeout.
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// One `[[notifications]]` entry, rendered.
#[derive(Debug, Clone)]
pub struct Target {
    /// Its place in `[[notifications]]`.
    pub index: usize,
    /// The URL to post to, or why it could not be rendered.
    pub url: Result<Url, String>,
    /// What the journal shows: scheme, host and port only.
    pub shown: String,
    pub format: NotifyFormat,
    pub headers: Vec<(String, String)>,
    pub on: Vec<NotifyEvent>,
}

/// Render every `[[notifications]]` entry of `r` against `ctx`.
pub fn targets(r: &Resolved, ctx: &Context) -> Vec<Target> {
    let mut out = Vec::new();
    for (index, n) in r.runbook.notifications.iter().enumerate() {
        let rendered = template::render(&n.url, ctx).map_err(|e| r.render_error(&e));
        let url = rendered.and_then(|text| {
            let u = Url::parse(&text).map_err(|e| format!("invalid notification URL: {e}"))?;
            super::notify::allowed(&u, n.allow_insecure)?;
            Ok(u)
        });
        let shown = match &url {
            Ok(u) => shown(u),
            Err(_) => format!("[[notifications]] {}", index + 1),
        };
        let headers: Result<Vec<(String, String)>, String> = n
            .headers
            .iter()
            .map(|(k, v)| {
                template::render(v, ctx)
                    .map(|v| (k.clone(), v))
                    .map_err(|e| r.render_error(&e))
            })
            .collect();
        let (url, headers) = match headers {
            Ok(h) => (url, h),
            Err(why) => (Err(why), Vec::new()),
        };
        out.push(Target {
            index,
            url,
            shown,
            format: n.format,
            headers,
            on: n.on.clone(),
        });
    }
    out
}

/// What `plan` shows of `[[notifications]]` (one line each, the URL without its path), and
/// the entries that cannot be rendered, as problems.
pub fn plan(r: &Resolved) -> (Vec<String>, Vec<String>) {
    let mut lines = Vec::new();
    let mut problems = Vec::new();
    if r.runbook.notifications.is_empty() {
        return (lines, problems);
    }
    lines.push(format!(
        "notifications ({}):",
        r.runbook.notifications.len()
    ));
    for (t, n) in targets(r, &r.ctx).iter().zip(&r.runbook.notifications) {
        let format = match t.format {
            NotifyFormat::Json => "json",
            NotifyFormat::Slack => "slack",
        };
        let on: Vec<&str> = t.on.iter().map(|e| e.as_str()).collect();
        let remind = n
            .remind
            .as_ref()
            .and_then(|d| template::render_duration(d, &r.ctx).ok())
            .map(|d| format!(" · remind every {}", humantime::format_duration(d)))
            .unwrap_or_default();
        lines.push(format!(
            "  {}. {} ({format}) on {}{remind}",
            t.index + 1,
            t.shown,
            on.join(", ")
        ));
        if let Err(why) = &t.url {
            problems.push(format!("[[notifications]] {}: {why}", t.index + 1));
        }
    }
    (lines, problems)
}

/// `https://hooks.example.com:8443` (no user, path or query).
pub fn shown(u: &Url) -> String {
    let host = u.host_str().unwrap_or("?");
    match u.port() {
        Some(p) => format!("{}://{host}:{p}", u.scheme()),
        None => format!("{}://{host}", u.scheme()),
    }
}

/// What a notification says (the JSON format's body).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Payload {
    pub event: NotifyEvent,
    pub release_id: String,
    pub release: String,
    pub environment: String,
    pub version: String,
    pub step: Option<String>,
    pub message: String,
    /// RFC 3339 UTC, milliseconds.
    pub ts: String,
}

/// The body in `format`: the payload itself, or Slack's `{"text": …}`.
pub fn body_of(format: NotifyFormat, p: &Payload) -> Value {
    match format {
        NotifyFormat::Json => serde_json::to_value(p).unwrap_or(Value::Null),
        NotifyFormat::Slack => {
            let step = p
                .step
                .as_ref()
                .map(|s| format!(" · step {s}"))
                .unwrap_or_default();
            json!({
                "text": format!(
                    "[{}] {} {} → {}{step}: {}",
                    p.event, p.release, p.version, p.environment, p.message
                )
            })
        }
    }
}

/// How one delivery retries.
#[derive(Debug, Clone, Copy)]
pub struct Retry {
    pub attempts: u32,
    pub backoff: Duration,
    pub timeout: Duration,
}

impl Default for Retry {
    fn default() -> Self {
        Retry {
            attempts: ATTEMPTS,
            backoff: BACKOFF,
            timeout: TIMEOUT,
        }
    }
}

/// Post `body` to `t`, retrying on errors, 429 and 5xx; report every attempt on `tx`.
pub async fn deliver(
    t: Target,
    event: NotifyEvent,
    step: Option<String>,
    body: Value,
    retry: Retry,
    masker: Masker,
    tx: mpsc::UnboundedSender<Msg>,
) {
    let record = |attempt: u32, delivered: bool, status: Option<u16>, error: Option<String>| {
        let error = error.map(|e| masker.mask(&e).into_owned());
        Msg::Record(Event::Notification {
            step: step.clone(),
            event,
            url: masker.mask(&t.shown).into_owned(),
            attempt,
            delivered,
            status,
            error,
        })
    };
    let url = match &t.url {
        Ok(u) => u.clone(),
        Err(why) => {
            let _ = tx.send(record(1, false, None, Some(why.clone())));
            return;
        }
    };
    let http = client();
    let mut wait = retry.backoff;
    for attempt in 1..=retry.attempts.max(1) {
        let mut req = http.post(url.clone()).timeout(retry.timeout).json(&body);
        for (k, v) in &t.headers {
            req = req.header(k, v);
        }
        let (again, msg) = match req.send().await {
            Ok(resp) => {
                let status = resp.status();
                let code = status.as_u16();
                if status.is_success() {
                    let _ = tx.send(record(attempt, true, Some(code), None));
                    return;
                }
                let text = http::body(resp).await.unwrap_or_default();
                let text: String = String::from_utf8_lossy(&text).chars().take(200).collect();
                let again = status.is_server_error() || code == 429;
                let why = format!("answered {code}: {}", text.trim());
                (again, record(attempt, false, Some(code), Some(why)))
            }
            Err(e) => (
                true,
                record(attempt, false, None, Some(describe(&e, retry.timeout))),
            ),
        };
        let _ = tx.send(msg);
        if !again || attempt == retry.attempts {
            return;
        }
        tokio::time::sleep(wait).await;
        wait = wait.saturating_mul(2);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn payload() -> Payload {
        Payload {
            event: NotifyEvent::TriggerTripped,
            release_id: "app-1.0.0-20261125T060000Z".into(),
            release: "app".into(),
            environment: "staging".into(),
            version: "1.0.0".into(),
            step: Some("soak".into()),
            message: "trigger api tripped: 250 fails `result < 100`".into(),
            ts: "2026-11-25T06:00:00.000Z".into(),
        }
    }

    #[test]
    fn json_and_slack_bodies() {
        let j = body_of(NotifyFormat::Json, &payload());
        assert_eq!(j["event"], "trigger-tripped");
        assert_eq!(j["release_id"], "app-1.0.0-20261125T060000Z");
        assert_eq!(j["step"], "soak");
        for k in ["release", "environment", "version", "message", "ts"] {
            assert!(j[k].is_string(), "{k} in {j}");
        }
        let s = body_of(NotifyFormat::Slack, &payload());
        let text = s["text"].as_str().unwrap();
        assert_eq!(s.as_object().unwrap().len(), 1);
        assert!(text.starts_with("[trigger-tripped] app 1.0.0 → staging · step soak: trigger api"));
    }

    #[test]
    fn shown_urls_drop_the_path_and_credentials() {
        let u = Url::parse("https://user:pw@hooks.example.com/services/T0/B1/secret?x=1").unwrap();
        assert_eq!(shown(&u), "https://hooks.example.com");
        let u = Url::parse("http://127.0.0.1:8080/hook/tok").unwrap();
        assert_eq!(shown(&u), "http://127.0.0.1:8080");
    }
}
