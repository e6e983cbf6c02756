//! What `http` and `file` gates check, as `plan` words it (a part of [`super::Described`]).

use std::fmt::Write as _;

use super::Described;
use crate::runbook::{Dur, JsonCheck, Tpl};

impl Described<'_> {
    /// What an `http` gate checks.
    pub(super) fn http(
        &mut self,
        url: &Tpl,
        method: &str,
        expect_status: Option<u16>,
        max_latency: Option<&Dur>,
        body_contains: Option<&Tpl>,
        json: Option<&JsonCheck>,
    ) -> String {
        let mut s = format!("{method} {}", self.t(url));
        if let Some(st) = expect_status {
            let _ = write!(s, " → {st}");
        }
        if let Some(l) = max_latency {
            let _ = write!(s, " within {}", self.d(l));
        }
        if let Some(b) = body_contains {
            let _ = write!(s, " containing \"{}\"", self.t(b));
        }
        match json {
            Some(JsonCheck::Equals { path, value }) => {
                let _ = write!(s, " · {path} == \"{}\"", self.t(value));
            }
            Some(JsonCheck::Condition { path, condition }) => {
                let _ = write!(s, " · {path}: {condition}");
            }
            None => {}
        }
        s
    }

    /// What a `file` gate checks.
    pub(super) fn file(
        &mut self,
        path: &Tpl,
        exists: bool,
        writable: bool,
        newest: Option<&str>,
        max_age: Option<&Dur>,
    ) -> String {
        let mut s = self.r.path(&self.t(path)).display().to_string();
        if exists {
            s.push_str(" exists");
        }
        if writable {
            s.push_str(" writable");
        }
        if let Some(n) = newest {
            let _ = write!(s, " · newest {n}");
        }
        if let Some(a) = max_age {
            let _ = write!(s, " younger than {}", self.d(a));
        }
        s
    }
}
