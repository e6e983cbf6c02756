//! Fuzz the condition compiler and evaluator: the first line is the condition, the rest a JSON
//! value (or a string when it is not JSON); no panic.
#![no_main]

use flightdeck::runbook::Condition;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (cond, value) = text.split_once('\n').unwrap_or((text, "0"));
    let Ok(c) = Condition::compile(cond) else {
        return;
    };
    let value =
        serde_json::from_str(value).unwrap_or_else(|_| serde_json::Value::String(value.to_owned()));
    let _ = c.eval(&value);
});
