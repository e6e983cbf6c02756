//! `[rollback]`: `target`, `auto`, `auto_delay` and `[[rollback.steps]]`.

use std::time::Duration;

use super::checks;
use super::cx::Cx;
use super::fields::Fields;
use super::steps::{self, Ids, List};
use super::value::Val;
use crate::runbook::schema::{Dur, Rollback, RollbackTarget};

pub(crate) fn rollback(cx: &mut Cx, v: Option<&Val<'_>>, ids: &mut Ids) -> Rollback {
    let mut out = Rollback::default();
    let Some(v) = v else { return out };
    let Some(mut f) = Fields::of(cx, v, "[rollback]", "a table [rollback]") else {
        return out;
    };
    if let Some(target) = f.string(cx, "target") {
        let words = &["previous", "lkg", "pick"];
        out.target = match checks::one_of(cx, &target, "target", "[rollback]", words) {
            Some("lkg") => RollbackTarget::Lkg,
            Some("pick") => RollbackTarget::Pick,
            _ => RollbackTarget::Previous,
        };
    }
    if let Some(auto) = f.get("auto")
        && auto.get_ref().as_bool() == Some(true)
    {
        cx.auto_rollback = Some(auto.span());
    }
    out.auto = f.bool(cx, "auto").unwrap_or(false);
    out.auto_delay = f
        .dur(cx, "auto_delay")
        .unwrap_or(Dur::Fixed(Duration::from_secs(30)));
    let step_list = f.get("steps");
    f.finish(cx);
    out.steps = steps::steps(cx, step_list, List::Rollback, ids);
    out
}
