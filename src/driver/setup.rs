//! Building drivers: the policy of a runbook, a driver with live sources for the cockpit, a
//! headless one, and the signals that tell that the operator is gone.

use tokio::signal::unix::{SignalKind, signal};

use super::{Driver, Signals, Sources};
use crate::exec::resolve::Resolved;
use crate::journal::Writer;
use crate::release::{Core, ReleaseState};

/// The release policy for the runbook `r`, headless or in the cockpit.
pub fn policy_for(r: &Resolved, headless: bool, auto_approve: bool) -> crate::release::Policy {
    let rb = &r.runbook.rollback;
    let delay = crate::runbook::template::render_duration(&rb.auto_delay, &r.ctx)
        .unwrap_or(std::time::Duration::from_secs(30));
    let mut policy = crate::release::Policy::auto_rollback(
        rb.auto,
        r.protected,
        rb.target == crate::runbook::RollbackTarget::Pick,
        headless,
        auto_approve,
        delay,
    );
    policy.baselines = baseline_plans(r);
    policy.reminders = reminders(r);
    policy.notifies = !r.runbook.notifications.is_empty();
    policy
}

/// Every gate's `baseline`, for the core to take before its step.
fn baseline_plans(r: &Resolved) -> Vec<crate::release::BaselinePlan> {
    r.runbook
        .gates
        .iter()
        .filter_map(|g| {
            let b = g.baseline.as_ref()?;
            Some(crate::release::BaselinePlan {
                gate: g.id.clone(),
                before: b.before.clone(),
                samples: b.samples,
            })
        })
        .collect()
}

/// The `[[notifications]]` entries with `remind` (a bad duration reminds every 5 minutes).
fn reminders(r: &Resolved) -> Vec<crate::release::Reminder> {
    r.runbook
        .notifications
        .iter()
        .enumerate()
        .filter_map(|(index, n)| {
            let every = crate::runbook::template::render_duration(n.remind.as_ref()?, &r.ctx)
                .unwrap_or(std::time::Duration::from_secs(300))
                .max(std::time::Duration::from_secs(1));
            Some(crate::release::Reminder {
                index,
                every_ms: u64::try_from(every.as_millis()).unwrap_or(u64::MAX),
                events: n.on.iter().copied().filter(|e| e.repeats()).collect(),
            })
        })
        .collect()
}

/// A driver for the cockpit: with every live source of the runbook `r`.
pub fn live(r: &Resolved, writer: Writer, st: ReleaseState) -> color_eyre::eyre::Result<Driver> {
    let masker = crate::exec::runtime::masker_for(r).0;
    let mut sources = Sources::live(r, &masker, Some(writer.state_dir().clone()))?;
    sources.set_baselines(crate::exec::baseline::values(&r.runbook, &st));
    sources.inbox.at(writer.state_dir().clone());
    let core = Core::new(st, policy_for(r, false, false));
    let mut d = Driver::new(
        r.clone(),
        writer,
        core,
        crate::journal::lock::hostname(),
        sources,
    )?;
    d.start_inbox();
    Ok(d)
}

/// A driver for a headless run (no live sources).
pub fn headless(
    r: &Resolved,
    writer: Writer,
    st: ReleaseState,
    auto_approve: bool,
) -> color_eyre::eyre::Result<Driver> {
    let core = Core::new(st, policy_for(r, true, auto_approve));
    let mut sources = Sources::none();
    sources.inbox.at(writer.state_dir().clone());
    let mut d = Driver::new(
        r.clone(),
        writer,
        core,
        crate::journal::lock::hostname(),
        sources,
    )?;
    d.start_inbox();
    Ok(d)
}

pub(super) fn signals() -> std::io::Result<Signals> {
    Ok(Signals {
        hup: signal(SignalKind::hangup())?,
        term: signal(SignalKind::terminate())?,
        int: signal(SignalKind::interrupt())?,
    })
}

pub(super) async fn wait_signal(s: &mut Option<Signals>) -> String {
    let Some(s) = s else {
        return std::future::pending().await;
    };
    tokio::select! {
        _ = s.hup.recv() => "SIGHUP (the SSH connection dropped)".into(),
        _ = s.term.recv() => "SIGTERM".into(),
        _ = s.int.recv() => "SIGINT".into(),
    }
}
