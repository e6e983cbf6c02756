//! `flightdeck plan`: resolve everything and print every step rendered; executes nothing.

use std::io::Write;

use color_eyre::eyre::Result;

use super::describe::Described;
use super::load::{load_resolved, opts_from};
use crate::cli::PlanArgs;
use crate::exec::resolve::rollback_target;
use crate::runbook::check::plural;

pub fn run(args: &PlanArgs, out: &mut impl Write, err: &mut impl Write) -> Result<i32> {
    let opts = opts_from(&args.runbook, args.operator.clone())?;
    let r = match load_resolved(&args.runbook.file, &opts, err)? {
        Ok(r) => r,
        Err(code) => return Ok(code),
    };
    let rb = &r.runbook;
    // Captures exist only at run time: show where they go.
    let mut planned = r.ctx.clone();
    for s in &rb.steps {
        if let crate::runbook::StepKind::Run { capture, .. } = &s.kind {
            for c in capture {
                planned.captures.insert(
                    c.name.clone(),
                    format!("<captured {} from {}>", c.name, s.id),
                );
            }
        }
    }
    let ctx = &planned;
    let env = if r.protected {
        r.env_name.to_uppercase()
    } else {
        r.env_name.clone()
    };
    writeln!(out, "release {} {} → {env}", rb.release.name, ctx.version)?;
    writeln!(
        out,
        "operator {} · previous {} · lkg {} · git {}",
        ctx.operator,
        ctx.previous.as_deref().unwrap_or("-"),
        ctx.lkg.as_deref().unwrap_or("-"),
        ctx.git_short.as_deref().unwrap_or("-")
    )?;
    if let Some(line) = crate::exec::rolled_back::plan_line(&r) {
        writeln!(out, "{line}")?;
    }
    let mut d = Described::new(&r, ctx);
    d.lines.push(format!("steps ({}):", rb.steps.len()));
    for (i, s) in rb.steps.iter().enumerate() {
        d.step(i + 1, s);
    }
    let mut rctx = ctx.clone();
    rctx.rollback_version = rollback_target(&r);
    let pick = rb.rollback.target == crate::runbook::RollbackTarget::Pick;
    let target = rctx
        .rollback_version
        .clone()
        .unwrap_or_else(|| match rb.rollback.target {
            crate::runbook::RollbackTarget::Pick => "(picked at rollback time)".to_owned(),
            t => format!("(no {} tag found)", t.as_str()),
        });
    if pick {
        // Shown in place of the revision the operator will pick.
        rctx.rollback_version = Some("<picked>".to_owned());
    }
    let mut lines = std::mem::take(&mut d.lines);
    let mut problems = std::mem::take(&mut d.problems);
    let mut rd = Described::new(&r, &rctx);
    rd.lines.push(format!(
        "rollback ({}, target {target}{}):",
        plural(rb.rollback.steps.len(), "step"),
        if rb.rollback.auto && !r.protected {
            ", auto"
        } else {
            ""
        }
    ));
    for (i, s) in rb.rollback.steps.iter().enumerate() {
        rd.step(i + 1, s);
    }
    lines.append(&mut rd.lines);
    problems.append(&mut rd.problems);
    let (mut nl, mut np) = crate::exec::notifications::plan(&r);
    lines.append(&mut nl);
    problems.append(&mut np);
    let (masker, short) = crate::exec::runtime::masker_for(&r);
    for l in lines {
        writeln!(out, "{}", masker.mask(&l))?;
    }
    for name in short {
        writeln!(
            err,
            "warning: secret {name} is shorter than 4 characters and is not masked"
        )?;
    }
    let mut all = r.problems.clone();
    all.extend(crate::trust::problems(&r));
    all.extend(problems);
    all.dedup();
    if all.is_empty() {
        writeln!(out, "plan: nothing missing")?;
        return Ok(0);
    }
    for p in &all {
        writeln!(err, "{}", masker.mask(p))?;
    }
    writeln!(
        err,
        "plan: {}; `run` would refuse to start",
        plural(all.len(), "problem")
    )?;
    Ok(1)
}
