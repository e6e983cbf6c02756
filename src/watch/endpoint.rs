//! Version endpoints (`[[revisions]]` with `url`, `version` and `sha`): GET the URL (reqwest),
//! read the live version and sha with `JSONPath`. Errors become a reason, never a panic.

use std::time::Duration;

use serde_json::Value;
use serde_json_path::JsonPath;

use crate::exec::gates::http;
use crate::model::revisions::LiveVersion;

/// How long a version endpoint may take.
pub const TIMEOUT: Duration = Duration::from_secs(10);

fn one(doc: &Value, path: &str, what: &str) -> Result<Option<String>, String> {
    let p = JsonPath::parse(path).map_err(|e| format!("`{what}` `{path}`: {e}"))?;
    Ok(p.query(doc).first().and_then(|v| match v {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }))
}

/// The live version (and sha) from a response body.
pub fn parse(body: &[u8], version: &str, sha: Option<&str>) -> Result<LiveVersion, String> {
    let doc: Value =
        serde_json::from_slice(body).map_err(|e| format!("the response is not JSON: {e}"))?;
    let v = one(&doc, version, "version")?
        .ok_or_else(|| format!("`version` {version} matches nothing in the response"))?;
    let sha = match sha {
        Some(p) => one(&doc, p, "sha")?,
        None => None,
    };
    Ok(LiveVersion { version: v, sha })
}

/// GET `url` and read its version.
pub async fn fetch(
    url: &str,
    version: &str,
    sha: Option<&str>,
    timeout: Duration,
) -> Result<LiveVersion, String> {
    let parsed = url::Url::parse(url).map_err(|e| format!("`{url}` is not a URL: {e}"))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(format!("`{url}`: only http and https are supported"));
    }
    let resp = http::client()
        .get(parsed)
        .timeout(timeout)
        .send()
        .await
        .map_err(|e| http::describe(&e, timeout))?;
    let status = resp.status();
    if !status.is_success() {
        return Err(format!("HTTP {}", status.as_u16()));
    }
    let body = http::body(resp)
        .await
        .map_err(|e| http::describe(&e, timeout))?;
    parse(&body, version, sha)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_version_and_sha() {
        let body = br#"{"version": "1.10.0", "build": {"sha": "3f2a1c7"}}"#;
        let v = parse(body, "$.version", Some("$.build.sha")).unwrap();
        assert_eq!(v.version, "1.10.0");
        assert_eq!(v.sha.as_deref(), Some("3f2a1c7"));
        let e = parse(body, "$.nope", None).unwrap_err();
        assert!(e.contains("matches nothing"), "{e}");
        assert!(parse(b"<html>", "$.version", None).is_err());
    }
}
