//! `[[notifications]]` (DESIGN.md §10): `url`, `on`, `format`, `headers`, `remind`,
//! `allow_insecure`. Each error points at the offending value.

use super::checks;
use super::cx::Cx;
use super::fields::Fields;
use super::value::{Val, tables};
use crate::runbook::diag::hint;
use crate::runbook::schema::{Notification, NotifyEvent, NotifyFormat};

pub(crate) fn notifications(cx: &mut Cx, v: Option<&Val<'_>>) -> Vec<Notification> {
    let mut out = Vec::new();
    let Some(v) = v else { return out };
    for (n, (table, span)) in tables(cx, v, "notifications").into_iter().enumerate() {
        let what = format!("[[notifications]] entry {}", n + 1);
        let mut f = Fields::new(table, span, what.clone());
        let url = f.req_tpl(
            cx,
            "url",
            "the webhook URL, e.g. \"https://hooks.example.com/…\"",
        );
        if let Some(u) = &url {
            checks::url(cx, u, "url", &what, checks::HTTP);
            insecure(cx, u, &f);
        }
        let on = match f.strings(cx, "on") {
            None => NotifyEvent::ALL.to_vec(),
            Some(list) => {
                let mut events = Vec::new();
                for s in list {
                    match NotifyEvent::parse(s.get_ref()) {
                        Some(e) if !events.contains(&e) => events.push(e),
                        Some(_) => {}
                        None => {
                            let names = NotifyEvent::ALL.map(NotifyEvent::as_str);
                            let h = hint(s.get_ref(), names.iter().copied(), "expected one of");
                            let h = if h.is_empty() {
                                format!("; expected one of: {}", names.join(", "))
                            } else {
                                h
                            };
                            let msg =
                                format!("unknown event `{}` in `on` of {what}{h}", s.get_ref());
                            cx.error(s.span(), msg);
                        }
                    }
                }
                events
            }
        };
        let format = f
            .string(cx, "format")
            .and_then(|s| checks::one_of(cx, &s, "format", &what, &["json", "slack"]))
            .map_or(NotifyFormat::Json, |w| match w {
                "slack" => NotifyFormat::Slack,
                _ => NotifyFormat::Json,
            });
        let headers = f.tpl_map(cx, "headers");
        let remind = f.dur(cx, "remind");
        if let Some(d) = remind.as_ref().and_then(crate::runbook::Dur::fixed)
            && d < std::time::Duration::from_secs(1)
            && let Some(v) = f.get("remind")
        {
            cx.error(
                v.span(),
                format!("`remind` in {what} is under a second; use at least \"1s\", e.g. \"5m\""),
            );
        }
        let allow_insecure = f.bool(cx, "allow_insecure").unwrap_or(false);
        f.finish(cx);
        if let Some(url) = url {
            out.push(Notification {
                url,
                on,
                format,
                headers,
                remind,
                allow_insecure,
            });
        }
    }
    out
}

/// A fixed plain `http://` URL to a host other than loopback needs `allow_insecure = true`
/// (the same rule as the `notify` step's).
fn insecure(cx: &mut Cx, u: &crate::runbook::Tpl, f: &Fields<'_, '_>) {
    if u.is_template() || f.has("allow_insecure") {
        return;
    }
    let Ok(parsed) = url::Url::parse(&u.src) else {
        return;
    };
    let loopback = match parsed.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    };
    if parsed.scheme() == "http" && !loopback {
        let msg = format!(
            "`url` in {} is plain http:// to {}, which is not encrypted and not loopback; use https, or set allow_insecure = true",
            f.what,
            parsed.host_str().unwrap_or("?")
        );
        cx.error(u.span.clone(), msg);
    }
}
