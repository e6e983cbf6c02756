//! Plain data the cockpit shows besides the release state: the header and the gate rows.

use chrono::{DateTime, Utc};

/// What the header line shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Header {
    pub name: String,
    pub environment: String,
    /// A protected environment is shown in CAPITALS in the danger style.
    pub protected: bool,
    pub version: String,
    pub previous: Option<String>,
    pub lkg: Option<String>,
    pub operator: String,
    /// The end of the release window, shown as a countdown.
    pub window_deadline: Option<DateTime<Utc>>,
    /// `Some(holder)` when attached read-only to someone else's release (`flightdeck observe`).
    pub observing: Option<String>,
    /// A warning line under the header.
    pub warning: Option<String>,
}

/// A gate's last measurement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum GateState {
    #[default]
    Pending,
    Pass,
    Fail,
    Error,
}

impl GateState {
    /// The mark shown beside the gate (never colour alone).
    pub fn mark(self) -> &'static str {
        match self {
            GateState::Pending => "·",
            GateState::Pass => "✔",
            GateState::Fail => "✖",
            GateState::Error => "?",
        }
    }
}

/// One row of the gates pane.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GateRow {
    pub id: String,
    pub kind: String,
    pub state: GateState,
    /// The measured value, e.g. `200 41ms` or `6.1% > 5%`.
    pub value: String,
    pub message: String,
    /// What a failed check expected (`2.0.0`, `200`): shown after the value as `(want 2.0.0)`
    /// while the gate fails.
    pub expected: Option<String>,
    /// When it was measured (its age is shown).
    pub at: Option<DateTime<Utc>>,
}

impl GateRow {
    /// How a measured `value` of a gate of `kind` shows in the pane, beside its message. The
    /// latency that an `http` gate without a `json` check and a `tcp` gate measure is already in
    /// their message (`200 in 2 ms`, `connected to … in 1 ms`), so it is not shown twice.
    pub fn value_text(
        kind: Option<&crate::runbook::GateKind>,
        value: &serde_json::Value,
    ) -> String {
        use crate::runbook::GateKind;
        let latency = matches!(
            kind,
            Some(GateKind::Http { json: None, .. } | GateKind::Tcp { .. })
        );
        match value {
            serde_json::Value::Null => String::new(),
            serde_json::Value::Number(_) if latency => String::new(),
            serde_json::Value::String(s) => s.clone(),
            v => v.to_string(),
        }
    }

    /// A gate not measured yet.
    pub fn pending(id: impl Into<String>, kind: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            kind: kind.into(),
            ..Self::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::GateRow;
    use serde_json::json;

    #[test]
    fn a_latency_the_message_gives_is_not_shown_twice() {
        let src = r#"
[release]
name = "a"
environment = "staging"
version = "1"
[[gates]]
id = "health"
kind = "http"
url = "http://127.0.0.1:1/health"
[[gates]]
id = "rate"
kind = "http"
url = "http://127.0.0.1:1/stats"
json = { path = "$.rate", condition = "result < 0.05" }
[[gates]]
id = "port"
kind = "tcp"
address = "127.0.0.1:1"
[[steps]]
id = "s"
kind = "manual"
"#;
        let rb = crate::runbook::load_str(src, std::path::Path::new("flightdeck.toml"))
            .expect("loads")
            .runbook;
        let kind = |id: &str| rb.gate(id).map(|g| &g.kind);
        assert_eq!(GateRow::value_text(kind("health"), &json!(2.3)), "");
        assert_eq!(GateRow::value_text(kind("port"), &json!(1.1)), "");
        assert_eq!(GateRow::value_text(kind("rate"), &json!(0.0)), "0.0");
        assert_eq!(GateRow::value_text(kind("rate"), &json!("1.4.2")), "1.4.2");
        assert_eq!(GateRow::value_text(None, &json!(7)), "7");
        assert_eq!(GateRow::value_text(kind("health"), &json!(null)), "");
    }
}
