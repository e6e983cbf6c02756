//! `prometheus` gates: an instant query on `server`, judged by `failure_condition` (true →
//! fail) and `success_condition` (false → fail), Argo Rollouts style.
//!
//! The result must be a scalar or a vector of exactly one sample; its value is the measurement.
//! An empty result, several series, NaN or an unreachable server is an *error*: "no data" is
//! never taken for a pass.

use std::time::Duration;

use serde_json::Value;

use super::http::{body, describe};
use super::{GateCx, GateOutcome, fmt_num, number};
use crate::runbook::GateKind;
use crate::runbook::condition::Condition;

pub async fn evaluate(kind: &GateKind, cx: &GateCx, timeout: Duration) -> GateOutcome {
    let GateKind::Prometheus {
        server,
        query,
        success_condition,
        failure_condition,
    } = kind
    else {
        return GateOutcome::error("not a prometheus gate");
    };
    let (server, query) = match (cx.render(server), cx.render(query)) {
        (Ok(s), Ok(q)) => (s, q),
        (Err(why), _) | (_, Err(why)) => return GateOutcome::error(why),
    };
    let result = match fetch(&server, &query, cx, timeout).await {
        Ok(x) => x,
        Err(why) => return GateOutcome::error(why),
    };
    judge_with(
        result,
        success_condition.as_deref(),
        failure_condition.as_deref(),
        cx.baseline,
    )
}

/// Apply the conditions to a measured `result`.
pub fn judge(result: f64, success: Option<&str>, failure: Option<&str>) -> GateOutcome {
    judge_with(result, success, failure, None)
}

/// Apply the conditions to a measured `result`, with the gate's `baseline` when taken. A
/// condition that cannot be decided is an error that keeps the value (a baseline sample).
pub fn judge_with(
    result: f64,
    success: Option<&str>,
    failure: Option<&str>,
    baseline: Option<f64>,
) -> GateOutcome {
    let value = number(result);
    let shown = fmt_num(result);
    let json = serde_json::json!(result);
    if let Some(src) = failure {
        match Condition::compile(src).and_then(|c| c.eval_with(&json, baseline)) {
            Ok(true) => {
                return GateOutcome::fail(
                    value,
                    format!("{shown}: failure_condition `{src}` is true"),
                );
            }
            Ok(false) => {}
            Err(why) => return GateOutcome::error(why).with_value(value.clone()),
        }
    }
    if let Some(src) = success {
        match Condition::compile(src).and_then(|c| c.eval_with(&json, baseline)) {
            Ok(false) => {
                return GateOutcome::fail(
                    value,
                    format!("{shown}: success_condition `{src}` is false"),
                );
            }
            Ok(true) => {}
            Err(why) => return GateOutcome::error(why).with_value(value.clone()),
        }
    }
    let cond = failure
        .map(|c| format!("not `{c}`"))
        .or_else(|| success.map(|c| format!("`{c}`")))
        .unwrap_or_default();
    GateOutcome::pass(value, format!("{shown} ({cond})"))
}

async fn fetch(server: &str, query: &str, cx: &GateCx, timeout: Duration) -> Result<f64, String> {
    let url = format!("{}/api/v1/query", server.trim_end_matches('/'));
    let resp = cx
        .http()
        .get(&url)
        .query(&[("query", query)])
        .timeout(timeout)
        .send()
        .await
        .map_err(|e| format!("Prometheus at {server}: {}", describe(&e, timeout)))?;
    let status = resp.status();
    let bytes = body(resp)
        .await
        .map_err(|e| format!("Prometheus at {server}: {}", describe(&e, timeout)))?;
    let doc: Value = serde_json::from_slice(&bytes).map_err(|_| {
        format!(
            "Prometheus at {server} answered {} with a body that is not JSON",
            status.as_u16()
        )
    })?;
    if doc["status"] != "success" {
        let why = doc["error"].as_str().unwrap_or("no reason given");
        return Err(format!("query failed ({}): {why}", status.as_u16()));
    }
    sample(&doc["data"])
}

/// The number a query's `data` holds: a scalar, or the one sample of a vector.
pub fn sample(data: &Value) -> Result<f64, String> {
    let pair = match data["resultType"].as_str() {
        Some("scalar") => &data["result"],
        Some("vector") => {
            let series = data["result"].as_array().map_or(&[][..], Vec::as_slice);
            match series {
                [] => return Err("the query returned no data (an empty vector)".into()),
                [one] => &one["value"],
                many => {
                    return Err(format!(
                        "the query returned {} series; expected one (aggregate it, e.g. with sum())",
                        many.len()
                    ));
                }
            }
        }
        other => {
            return Err(format!(
                "the query returned a {}; expected a scalar or a one-sample vector",
                other.unwrap_or("result of unknown type")
            ));
        }
    };
    let text = pair[1]
        .as_str()
        .ok_or_else(|| "malformed sample in the query result".to_owned())?;
    let x: f64 = text
        .parse()
        .map_err(|_| format!("sample `{text}` is not a number"))?;
    if x.is_nan() {
        return Err("the query returned NaN (no traffic in the window?)".into());
    }
    Ok(x)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exec::gates::GateState;
    use serde_json::json;

    #[test]
    fn samples_are_read_from_scalars_and_one_sample_vectors() {
        let scalar = json!({"resultType": "scalar", "result": [1.0, "0.25"]});
        assert_eq!(sample(&scalar), Ok(0.25));
        let one = json!({"resultType": "vector", "result": [{"metric": {}, "value": [1.0, "3"]}]});
        assert_eq!(sample(&one), Ok(3.0));
        let empty = json!({"resultType": "vector", "result": []});
        assert!(sample(&empty).unwrap_err().contains("no data"));
        let two =
            json!({"resultType": "vector", "result": [{"value": [1, "1"]}, {"value": [1, "2"]}]});
        assert!(sample(&two).unwrap_err().contains("2 series"));
        let nan = json!({"resultType": "scalar", "result": [1.0, "NaN"]});
        assert!(sample(&nan).is_err());
        let matrix = json!({"resultType": "matrix", "result": []});
        assert!(sample(&matrix).is_err());
    }

    #[test]
    fn conditions_decide() {
        let f = Some("result > 0.05");
        assert_eq!(judge(0.01, None, f).state, GateState::Pass);
        let o = judge(0.2, None, f);
        assert_eq!(o.state, GateState::Fail);
        assert_eq!(o.message, "0.2: failure_condition `result > 0.05` is true");
        assert_eq!(judge(3.0, Some("result <= 2"), None).state, GateState::Fail);
        assert_eq!(judge(1.0, Some("result <= 2"), None).state, GateState::Pass);
        assert_eq!(judge(1.0, Some("result +"), None).state, GateState::Error);
    }
}
