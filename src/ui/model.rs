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

pub use crate::model::gates::{GateRow, GateState};

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
