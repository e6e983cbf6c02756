//! The `notify` step: POST `{"text": message}` as JSON to a webhook URL.
//!
//! A plain `http://` URL is refused unless it points at loopback or `allow_insecure = true`.
//! Secrets in the message are masked before it is sent. The step's output names only the
//! URL's host: webhook paths often carry a token.

use std::time::{Duration, Instant};

use url::{Host, Url};

use super::command::Handle;
use super::gates::http::{body, describe};
use super::runtime::{Runtime, finish};
use crate::release::{Msg, Phase};
use crate::runbook::template::{self, Context};
use crate::runbook::{Step, StepKind};

/// The timeout when the step sets none.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// What one `notify` step sends.
#[derive(Debug, Clone)]
pub struct NotifySpec {
    pub url: Url,
    pub message: String,
    pub headers: Vec<(String, String)>,
    pub timeout: Duration,
}

/// Whether `url` may be used: https, or http to loopback, or anything with `allow_insecure`.
pub fn allowed(url: &Url, allow_insecure: bool) -> Result<(), String> {
    match url.scheme() {
        "https" => Ok(()),
        "http" if allow_insecure || is_loopback(url) => Ok(()),
        "http" => Err(format!(
            "refused: http://{} is not encrypted and not loopback; use https, or set allow_insecure = true",
            url.host_str().unwrap_or("?")
        )),
        other => Err(format!(
            "refused: `{other}` URLs cannot be notified; use https"
        )),
    }
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        Some(Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

/// Render the step and start it.
pub fn start(
    phase: Phase,
    step: &Step,
    rt: &Runtime,
    ctx: &Context,
) -> Result<Option<Handle>, String> {
    let StepKind::Notify {
        url,
        message,
        headers,
        allow_insecure,
    } = &step.kind
    else {
        return Err(format!("step `{}` is not a notify step", step.id));
    };
    let r = &rt.resolved;
    let err = |e: template::RenderError| r.render_error(&e);
    let url_text = template::render(url, ctx).map_err(err)?;
    let url = Url::parse(&url_text).map_err(|e| format!("invalid notify URL: {e}"))?;
    allowed(&url, *allow_insecure)?;
    let mut hs = Vec::new();
    for (k, v) in headers {
        hs.push((k.clone(), template::render(v, ctx).map_err(err)?));
    }
    let timeout = match &step.timeout {
        Some(d) => template::render_duration(d, ctx).map_err(err)?,
        None => DEFAULT_TIMEOUT,
    };
    let spec = NotifySpec {
        url,
        // A secret rendered into the message never leaves the host.
        message: rt
            .masker
            .mask(&template::render(message, ctx).map_err(err)?)
            .into_owned(),
        headers: hs,
        timeout,
    };
    let tx = rt.sender();
    let id = step.id.clone();
    tokio::spawn(async move {
        let started = Instant::now();
        let result = send(&spec).await;
        if let Ok(line) = &result {
            let _ = tx.send(Msg::Output {
                phase,
                step: id.clone(),
                stream: "notify".into(),
                lines: vec![line.clone()],
            });
        }
        finish(&tx, phase, &id, started, result.map(drop));
    });
    Ok(None)
}

/// POST the message; `Ok` carries a line for the log.
pub async fn send(spec: &NotifySpec) -> Result<String, String> {
    let host = spec.url.host_str().unwrap_or("?").to_owned();
    let client = super::gates::http::client();
    let mut req = client
        .post(spec.url.clone())
        .timeout(spec.timeout)
        .json(&serde_json::json!({ "text": spec.message }));
    for (k, v) in &spec.headers {
        req = req.header(k, v);
    }
    let resp = req
        .send()
        .await
        .map_err(|e| format!("notifying {host}: {}", describe(&e, spec.timeout)))?;
    let status = resp.status();
    let text = body(resp).await.unwrap_or_default();
    if !status.is_success() {
        let text = String::from_utf8_lossy(&text);
        let text: String = text.chars().take(200).collect();
        return Err(format!(
            "notifying {host}: answered {}: {}",
            status.as_u16(),
            text.trim()
        ));
    }
    Ok(format!("notified {host} ({})", status.as_u16()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_is_only_for_loopback() {
        let u = |s: &str| Url::parse(s).unwrap();
        assert!(allowed(&u("https://hooks.example.com/x"), false).is_ok());
        assert!(allowed(&u("http://127.0.0.1:9/x"), false).is_ok());
        assert!(allowed(&u("http://[::1]:9/x"), false).is_ok());
        assert!(allowed(&u("http://localhost:9/x"), false).is_ok());
        let e = allowed(&u("http://hooks.example.com/secret-token"), false).unwrap_err();
        assert!(e.contains("refused") && !e.contains("secret-token"), "{e}");
        assert!(allowed(&u("http://hooks.example.com/x"), true).is_ok());
        assert!(allowed(&u("ftp://127.0.0.1/x"), true).is_err());
    }
}
