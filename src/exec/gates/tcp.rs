//! `tcp` gates: can a connection to `address` be opened within the timeout?
//!
//! Connecting is the measurement, so a refused or timed-out connection is a *fail*; only an
//! address that cannot be rendered or resolved is an *error*. The value is the connect time in
//! milliseconds.

use std::time::{Duration, Instant};

use tokio::net::TcpStream;

use super::{GateCx, GateOutcome, fmt_dur, millis};
use crate::runbook::Tpl;

pub async fn evaluate(address: &Tpl, cx: &GateCx, timeout: Duration) -> GateOutcome {
    let address = match cx.render(address) {
        Ok(a) => a,
        Err(why) => return GateOutcome::error(why),
    };
    let started = Instant::now();
    let addrs = match tokio::time::timeout(timeout, tokio::net::lookup_host(&address)).await {
        Ok(Ok(a)) => a.collect::<Vec<_>>(),
        Ok(Err(e)) => return GateOutcome::error(format!("cannot resolve {address}: {e}")),
        Err(_) => {
            return GateOutcome::error(format!(
                "resolving {address} timed out after {}",
                fmt_dur(timeout)
            ));
        }
    };
    let left = timeout.saturating_sub(started.elapsed());
    match tokio::time::timeout(left, TcpStream::connect(addrs.as_slice())).await {
        Ok(Ok(_)) => {
            let took = started.elapsed();
            GateOutcome::pass(
                millis(took),
                format!("connected to {address} in {} ms", took.as_millis()),
            )
        }
        Ok(Err(e)) => GateOutcome::fail(
            serde_json::Value::Null,
            format!("{address}: {}", io_text(&e)),
        ),
        Err(_) => GateOutcome::fail(
            serde_json::Value::Null,
            format!("{address}: no connection within {}", fmt_dur(timeout)),
        ),
    }
}

/// An I/O error without the `(os error N)` suffix: `Connection refused`.
pub fn io_text(e: &std::io::Error) -> String {
    let s = e.to_string();
    match s.find(" (os error") {
        Some(i) => s[..i].to_owned(),
        None => s,
    }
}
