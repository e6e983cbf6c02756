//! `http` gates: status, latency, body and a `JSONPath` check, with basic auth from `[secrets]`.
//!
//! The value is the latency in milliseconds, or the `JSONPath` result when `json` is set. The
//! basic-auth password is read from the environment at evaluation time and never written
//! anywhere: messages, values and errors name only the variable.

use std::time::{Duration, Instant};

use serde_json::Value;
use serde_json_path::JsonPath;

use super::{GateCx, GateOutcome, chain, fmt_dur, millis};
use crate::runbook::condition::Condition;
use crate::runbook::{GateKind, JsonCheck};

/// Bodies are read up to this size; the rest is ignored.
pub const MAX_BODY: usize = 1024 * 1024;

/// The client HTTP gates and Prometheus gates use: rustls with the system roots and
/// webpki-roots, redirects followed, no idle connections kept between evaluations.
pub fn client() -> reqwest::Client {
    let b = reqwest::Client::builder()
        .user_agent(concat!("flightdeck/", env!("CARGO_PKG_VERSION")))
        .pool_max_idle_per_host(0);
    b.build().unwrap_or_default()
}

/// A request error as one line, without the URL (which may carry a token).
pub fn describe(e: &reqwest::Error, timeout: Duration) -> String {
    if e.is_timeout() {
        return format!("timed out after {}", fmt_dur(timeout));
    }
    let what = if e.is_connect() {
        "cannot connect"
    } else if e.is_body() || e.is_decode() {
        "cannot read the response"
    } else if e.is_redirect() {
        "too many redirects"
    } else {
        "request failed"
    };
    match std::error::Error::source(e) {
        Some(src) => format!("{what}: {}", chain(src)),
        None => what.to_owned(),
    }
}

/// Read at most [`MAX_BODY`] bytes of a response body.
pub async fn body(mut resp: reqwest::Response) -> Result<Vec<u8>, reqwest::Error> {
    let mut buf = Vec::new();
    while let Some(chunk) = resp.chunk().await? {
        let room = MAX_BODY.saturating_sub(buf.len());
        buf.extend_from_slice(&chunk[..chunk.len().min(room)]);
        if buf.len() >= MAX_BODY {
            break;
        }
    }
    Ok(buf)
}

pub async fn evaluate(kind: &GateKind, cx: &GateCx, timeout: Duration) -> GateOutcome {
    match check(kind, cx, timeout).await {
        Ok(o) | Err(o) => o,
    }
}

async fn check(
    kind: &GateKind,
    cx: &GateCx,
    timeout: Duration,
) -> Result<GateOutcome, GateOutcome> {
    let GateKind::Http {
        url,
        method,
        headers,
        basic_auth,
        expect_status,
        max_latency,
        body_contains,
        json,
    } = kind
    else {
        return Err(GateOutcome::error("not an http gate"));
    };
    let url = cx.render(url).map_err(GateOutcome::error)?;
    let url = reqwest::Url::parse(&url)
        .map_err(|e| GateOutcome::error(format!("invalid URL `{url}`: {e}")))?;
    let method = reqwest::Method::from_bytes(method.as_bytes())
        .map_err(|_| GateOutcome::error(format!("invalid HTTP method `{method}`")))?;
    let mut req = cx.http().request(method, url).timeout(timeout);
    for (k, v) in headers {
        req = req.header(k, cx.render(v).map_err(GateOutcome::error)?);
    }
    if let Some(auth) = basic_auth {
        if !cx.secrets.contains(&auth.password_env) {
            return Err(GateOutcome::error(format!(
                "basic_auth: `{}` must be listed in [secrets] env",
                auth.password_env
            )));
        }
        let Some(password) = cx.ctx.env.get(&auth.password_env) else {
            return Err(GateOutcome::error(format!(
                "basic_auth: environment variable {} is not set",
                auth.password_env
            )));
        };
        req = req.basic_auth(&auth.user, Some(password));
    }
    let max_latency = match max_latency {
        Some(d) => Some(cx.duration(d).map_err(GateOutcome::error)?),
        None => None,
    };
    let started = Instant::now();
    let resp = req
        .send()
        .await
        .map_err(|e| GateOutcome::error(describe(&e, timeout)))?;
    let status = resp.status();
    let bytes = body(resp)
        .await
        .map_err(|e| GateOutcome::error(describe(&e, timeout)))?;
    let took = started.elapsed();
    let latency = millis(took);
    let head = format!("{} in {} ms", status.as_u16(), took.as_millis());
    let status_ok = match expect_status {
        Some(code) => status.as_u16() == *code,
        None => status.is_success(),
    };
    if !status_ok {
        let want = expect_status.map_or_else(|| "a 2xx status".to_owned(), |c| c.to_string());
        let short = expect_status.map_or_else(|| "2xx".to_owned(), |c| c.to_string());
        return Err(
            GateOutcome::fail(latency, format!("{head}, expected {want}")).expecting(short),
        );
    }
    if let Some(max) = max_latency
        && took > max
    {
        return Err(GateOutcome::fail(
            latency,
            format!("{head} > max_latency {}", fmt_dur(max)),
        ));
    }
    let text = String::from_utf8_lossy(&bytes);
    if let Some(needle) = body_contains {
        let needle = cx.render(needle).map_err(GateOutcome::error)?;
        if !text.contains(&needle) {
            return Err(GateOutcome::fail(
                latency,
                format!("{head}, body does not contain \"{needle}\""),
            ));
        }
    }
    match json {
        None => Ok(GateOutcome::pass(latency, head)),
        Some(check) => json_check(check, &text, &head, cx),
    }
}

fn json_check(
    check: &JsonCheck,
    text: &str,
    head: &str,
    cx: &GateCx,
) -> Result<GateOutcome, GateOutcome> {
    let (JsonCheck::Equals { path, .. } | JsonCheck::Condition { path, .. }) = check;
    let doc: Value = serde_json::from_str(text)
        .map_err(|e| GateOutcome::error(format!("{head}, but the body is not JSON ({e})")))?;
    let found = query(path, &doc).map_err(|why| GateOutcome::error(format!("{head}, {why}")))?;
    let shown = shown(&found);
    let value = match &found {
        Value::Number(_) | Value::String(_) => found.clone(),
        Value::Bool(b) => Value::String(b.to_string()),
        _ => Value::Null,
    };
    match check {
        JsonCheck::Equals { value: want, .. } => {
            let want = cx.render(want).map_err(GateOutcome::error)?;
            let got = match &found {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            if got == want {
                Ok(GateOutcome::pass(
                    value,
                    format!("{head}, {path} = {shown}"),
                ))
            } else {
                Err(GateOutcome::fail(
                    value,
                    format!("{head}, {path} is {shown}, expected \"{want}\""),
                )
                .expecting(want))
            }
        }
        JsonCheck::Condition { condition, .. } => {
            let c = Condition::compile(condition).map_err(GateOutcome::error)?;
            match c.eval_with(&found, cx.baseline) {
                Ok(true) => Ok(GateOutcome::pass(
                    value,
                    format!("{head}, {path} = {shown}: `{condition}`"),
                )),
                Ok(false) => Err(GateOutcome::fail(
                    value,
                    format!("{head}, {path} is {shown}: `{condition}` is false"),
                )),
                // The value is kept: a baseline sample needs it even when the condition
                // cannot be decided yet.
                Err(why) => Err(GateOutcome::error(format!("{head}, {why}")).with_value(value)),
            }
        }
    }
}

/// The node `path` selects; several nodes come back as an array, none is an error.
pub fn query(path: &str, doc: &Value) -> Result<Value, String> {
    let p = JsonPath::parse(path).map_err(|e| format!("invalid JSONPath `{path}`: {e}"))?;
    let nodes = p.query(doc).all();
    match nodes.as_slice() {
        [] => Err(format!("{path} matched nothing in the response")),
        [one] => Ok((*one).clone()),
        many => Ok(Value::Array(many.iter().map(|v| (*v).clone()).collect())),
    }
}

fn shown(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 80 {
        format!("{}…", s.chars().take(80).collect::<String>())
    } else {
        s
    }
}
