//! Command revision sources (`[[revisions]]` with `command` and `fields`): run the command
//! (`sh -c`, in the runbook's directory, within [`TIMEOUT`]), parse its stdout as JSON and
//! extract rows with `JSONPath` (`serde_json_path`). Every failure — a non-zero exit, bad JSON,
//! a timeout — becomes an error reading with its reason; nothing here panics.

use std::collections::HashMap;
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use serde_json::Value;
use serde_json_path::{JsonPath, PathElement};
use tokio::io::{AsyncRead, AsyncReadExt};

use crate::model::revisions::RevisionRow;
use crate::runbook::RevisionFields;

/// How long a revision command may run.
pub const TIMEOUT: Duration = Duration::from_secs(10);
/// The most stdout read from a revision command.
pub const MAX_OUTPUT: usize = 4 * 1024 * 1024;
/// The most rows kept from one source.
pub const MAX_ROWS: usize = 200;

/// Run `command` and extract its rows.
pub async fn read(
    command: &str,
    dir: &Path,
    fields: &RevisionFields,
    timeout: Duration,
) -> Result<Vec<RevisionRow>, String> {
    let doc = run_json(command, dir, timeout).await?;
    extract_rows(&doc, fields)
}

/// Read at most `max` bytes; `true` when there was more.
async fn read_capped(r: impl AsyncRead + Unpin, max: usize) -> std::io::Result<(Vec<u8>, bool)> {
    let mut buf = Vec::new();
    let limit = u64::try_from(max).unwrap_or(u64::MAX).saturating_add(1);
    r.take(limit).read_to_end(&mut buf).await?;
    let more = buf.len() > max;
    buf.truncate(max);
    Ok((buf, more))
}

/// The first non-empty line of `stderr`, shortened, for an error message.
fn first_line(stderr: &[u8]) -> String {
    let s = String::from_utf8_lossy(stderr);
    let line = s
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("");
    // The screen fits it to its column; keep the journal and the model short too.
    if line.chars().count() > 200 {
        format!("{}…", line.chars().take(199).collect::<String>())
    } else {
        line.to_owned()
    }
}

/// Run `command` with `sh -c` in `dir` and parse its stdout as JSON.
pub async fn run_json(command: &str, dir: &Path, timeout: Duration) -> Result<Value, String> {
    let mut child = tokio::process::Command::new("sh")
        .arg("-c")
        .arg(command)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("cannot start `sh -c`: {e}"))?;
    let pid = child.id();
    let (Some(stdout), Some(stderr)) = (child.stdout.take(), child.stderr.take()) else {
        return Err("cannot read the command's output".into());
    };
    let work = async {
        let (out, err) = tokio::join!(
            read_capped(stdout, MAX_OUTPUT),
            read_capped(stderr, 64 * 1024)
        );
        let (out, more) = out.map_err(|e| format!("reading stdout: {e}"))?;
        if more {
            return Err(format!("stdout is larger than {} MiB", MAX_OUTPUT >> 20));
        }
        let err = err.map(|(e, _)| e).unwrap_or_default();
        let status = child.wait().await.map_err(|e| format!("waiting: {e}"))?;
        Ok((out, err, status))
    };
    let result = tokio::time::timeout(timeout, work).await;
    let kill = || {
        if let Some(pid) = pid.and_then(|p| i32::try_from(p).ok()) {
            let _ = nix::sys::signal::killpg(
                nix::unistd::Pid::from_raw(pid),
                nix::sys::signal::Signal::SIGKILL,
            );
        }
    };
    let (out, err, status) = match result {
        Err(_) => {
            kill();
            return Err(format!(
                "timed out after {}",
                humantime::format_duration(timeout)
            ));
        }
        Ok(Err(e)) => {
            kill();
            return Err(e);
        }
        Ok(Ok(v)) => v,
    };
    if !status.success() {
        let why = status.code().map_or_else(
            || "killed by a signal".to_owned(),
            |c| format!("exit status {c}"),
        );
        let line = first_line(&err);
        return Err(if line.is_empty() {
            why
        } else {
            format!("{why}: {line}")
        });
    }
    serde_json::from_slice(&out).map_err(|e| format!("stdout is not JSON: {e}"))
}

/// A JSON value as a cell: strings as they are, numbers and booleans printed, null absent.
fn cell(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        other => Some(other.to_string()),
    }
}

/// A time in the shapes the CLIs print: RFC 3339 (any offset, any fraction), `2024-05-14
/// 09:12:33.1 +0000 UTC`, a naive ISO time (taken as UTC), or Unix seconds / milliseconds.
pub fn parse_time(v: &Value) -> Option<DateTime<Utc>> {
    match v {
        Value::String(s) => {
            let s = s.trim();
            if let Ok(t) = DateTime::parse_from_rfc3339(s) {
                return Some(t.with_timezone(&Utc));
            }
            let no_zone = s.strip_suffix(" UTC").unwrap_or(s);
            if let Ok(t) = DateTime::parse_from_str(no_zone, "%Y-%m-%d %H:%M:%S%.f %z") {
                return Some(t.with_timezone(&Utc));
            }
            ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"]
                .iter()
                .find_map(|f| NaiveDateTime::parse_from_str(no_zone, f).ok())
                .map(|n| n.and_utc())
        }
        Value::Number(n) => {
            let secs = n.as_i64()?;
            if secs > 100_000_000_000 {
                Utc.timestamp_millis_opt(secs).single()
            } else {
                Utc.timestamp_opt(secs, 0).single()
            }
        }
        _ => None,
    }
}

fn compile(path: &str, what: &str) -> Result<JsonPath, String> {
    JsonPath::parse(path).map_err(|e| format!("fields.{what} `{path}` is not a JSONPath: {e}"))
}

/// The JSON pointer of a path's first `n` elements.
fn pointer(elems: &[PathElement<'_>]) -> String {
    elems
        .iter()
        .map(|e| match e {
            PathElement::Name(n) => format!("/{n}"),
            PathElement::Index(i) => format!("/{i}"),
        })
        .collect()
}

/// Rows from a document: one row per node the `id` path selects. A row is the object the id
/// sits in, down to its last array index (`$[*].deploy.id` → `$[3]`), and the other columns
/// are taken from inside the same row, so a missing field never shifts the others.
pub fn extract_rows(doc: &Value, fields: &RevisionFields) -> Result<Vec<RevisionRow>, String> {
    let id_path = compile(&fields.id, "id")?;
    let mut rows = Vec::new();
    let mut by_key: HashMap<String, usize> = HashMap::new();
    for node in id_path.query_located(doc).iter().take(MAX_ROWS) {
        let loc: Vec<PathElement<'_>> = node.location().iter().cloned().collect();
        let last_index = loc
            .iter()
            .rposition(|e| matches!(e, PathElement::Index(_)))
            .map_or(0, |i| i + 1);
        by_key.insert(pointer(&loc[..last_index]), rows.len());
        rows.push(RevisionRow {
            id: cell(node.node()).unwrap_or_default(),
            ..RevisionRow::default()
        });
    }
    let columns: [(&Option<String>, &str); 3] = [
        (&fields.status, "status"),
        (&fields.at, "at"),
        (&fields.description, "description"),
    ];
    for (path, what) in columns {
        let Some(path) = path else { continue };
        let p = compile(path, what)?;
        for node in p.query_located(doc).iter() {
            let loc: Vec<PathElement<'_>> = node.location().iter().cloned().collect();
            // The longest row key this node sits under.
            let Some(&row) = (0..=loc.len())
                .rev()
                .find_map(|n| by_key.get(&pointer(&loc[..n])))
            else {
                continue;
            };
            let r = &mut rows[row];
            match what {
                "status" if r.status.is_none() => r.status = cell(node.node()),
                "at" if r.at.is_none() => r.at = parse_time(node.node()),
                "description" if r.description.is_none() => r.description = cell(node.node()),
                _ => {}
            }
        }
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Timelike;
    use serde_json::json;

    fn fields(id: &str, status: &str, at: &str) -> RevisionFields {
        RevisionFields {
            id: id.into(),
            status: Some(status.into()),
            at: Some(at.into()),
            description: None,
        }
    }

    #[test]
    fn a_missing_field_never_shifts_the_other_columns() {
        let doc = json!([
            {"revision": 40, "updated": "2024-05-01T10:00:00Z"},
            {"revision": 41, "status": "superseded", "updated": "2024-05-02T10:00:00+02:00"},
            {"revision": 42, "status": "deployed"}
        ]);
        let rows = extract_rows(
            &doc,
            &fields("$[*].revision", "$[*].status", "$[*].updated"),
        )
        .unwrap();
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0].status, None);
        assert_eq!(rows[1].status.as_deref(), Some("superseded"));
        assert_eq!(
            rows[1].at,
            Utc.with_ymd_and_hms(2024, 5, 2, 8, 0, 0).single()
        );
        assert_eq!(rows[2].id, "42");
        assert_eq!(rows[2].at, None);
    }

    #[test]
    fn nested_rows_key_on_the_last_array_index() {
        let doc = json!([{"deploy": {"id": "dep-1", "status": "live"}}]);
        let rows = extract_rows(
            &doc,
            &fields(
                "$[*].deploy.id",
                "$[*].deploy.status",
                "$[*].deploy.createdAt",
            ),
        )
        .unwrap();
        assert_eq!(rows[0].id, "dep-1");
        assert_eq!(rows[0].status.as_deref(), Some("live"));
    }

    #[test]
    fn times_in_the_shapes_clis_print() {
        let want = Utc.with_ymd_and_hms(2024, 5, 14, 9, 12, 33).single();
        for s in [
            json!("2024-05-14T09:12:33Z"),
            json!("2024-05-14T11:12:33.123456789+02:00"),
            json!("2024-05-14 09:12:33 +0000 UTC"),
            json!("2024-05-14T09:12:33"),
            json!(1_715_677_953),
            json!(1_715_677_953_000_i64),
        ] {
            assert_eq!(
                parse_time(&s).map(|t| t.with_nanosecond(0).unwrap()),
                want,
                "{s}"
            );
        }
        assert_eq!(parse_time(&json!("yesterday")), None);
    }

    #[tokio::test]
    async fn failures_become_reasons() {
        let dir = std::env::temp_dir();
        let f = fields("$[*].id", "$[*].s", "$[*].t");
        let e = read("echo nope >&2; exit 3", &dir, &f, TIMEOUT)
            .await
            .unwrap_err();
        assert_eq!(e, "exit status 3: nope");
        let e = read("echo '{not json'", &dir, &f, TIMEOUT)
            .await
            .unwrap_err();
        assert!(e.starts_with("stdout is not JSON"), "{e}");
        let started = std::time::Instant::now();
        let e = read("sleep 30", &dir, &f, Duration::from_millis(300))
            .await
            .unwrap_err();
        assert_eq!(e, "timed out after 300ms");
        assert!(started.elapsed() < Duration::from_secs(5));
        let rows = read(r#"echo '[{"id": 7}]'"#, &dir, &f, TIMEOUT)
            .await
            .unwrap();
        assert_eq!(rows[0].id, "7");
    }
}
