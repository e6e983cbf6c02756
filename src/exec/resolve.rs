//! Resolving a runbook against the world (env, files, git): operator, version, variables.
//!
//! Unlike `check`, this reads the environment, the version file and the repository. Whatever
//! cannot be resolved is collected as a problem with its place, for `plan` to report and for
//! `run` to refuse on.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use color_eyre::eyre::{Result, eyre};

use super::rolled_back::RolledBack;
use crate::runbook::template::{Context, apply_overrides};
use crate::runbook::{Runbook, VersionSource, diag::line_col};
use crate::watch::git::{self, GitInfo};

/// What the command line adds to a runbook.
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub env: Option<String>,
    pub operator: Option<String>,
    pub release_version: Option<String>,
    /// `--set vars.NAME=VALUE`, split at the first `=`.
    pub sets: Vec<(String, String)>,
    /// The state dir's root: its journals tell which release tags were rolled back, and
    /// `previous` passes over those. None: no tag is passed over.
    pub state_dir: Option<PathBuf>,
}

/// A runbook resolved for one release.
#[derive(Debug, Clone)]
pub struct Resolved {
    pub runbook: Runbook,
    /// The runbook's source text, for positions in messages.
    pub source: String,
    pub env_name: String,
    pub protected: bool,
    pub ctx: Context,
    pub git: Option<GitInfo>,
    /// Versions whose latest release here was rolled back (`previous` passes over their tags).
    pub rolled_back: RolledBack,
    /// Everything that could not be resolved, each with its place.
    pub problems: Vec<String>,
    /// `run --key` (else `FLIGHTDECK_KEY` is read where it is needed): the key that seals.
    pub operator_key: Option<PathBuf>,
}

impl Resolved {
    /// `FILE:LINE:COL` of a byte offset in the runbook.
    pub fn place(&self, offset: usize) -> String {
        let (l, c) = line_col(&self.source, offset);
        format!("{}:{l}:{c}", self.runbook.path.display())
    }

    /// A template error as `FILE:LINE:COL: message`, placed at the template in the runbook.
    pub fn render_error(&self, e: &crate::runbook::template::RenderError) -> String {
        format!("{}: {}", self.place(e.span.start), e.message)
    }

    /// A path from the runbook, resolved against the runbook's directory.
    pub fn path(&self, p: &str) -> PathBuf {
        let p = Path::new(p);
        if p.is_absolute() {
            p.to_path_buf()
        } else {
            self.runbook.dir.join(p)
        }
    }
}

/// `--operator`, else `$SUDO_USER`, else the login user.
pub fn operator(cli: Option<&str>) -> String {
    if let Some(o) = cli.filter(|o| !o.is_empty()) {
        return o.to_owned();
    }
    if let Ok(o) = std::env::var("SUDO_USER")
        && !o.is_empty()
    {
        return o;
    }
    if let Ok(Some(u)) = nix::unistd::User::from_uid(nix::unistd::getuid()) {
        return u.name;
    }
    std::env::var("USER").unwrap_or_else(|_| "unknown".to_owned())
}

/// Split `vars.NAME=VALUE`.
pub fn parse_set(s: &str) -> Result<(String, String)> {
    let (k, v) = s
        .split_once('=')
        .ok_or_else(|| eyre!("--set `{s}`: expected vars.NAME=VALUE"))?;
    Ok((k.trim().to_owned(), v.to_owned()))
}

fn version(rb: &Runbook, dir: &Path, opts: &Options, problems: &mut Vec<String>) -> String {
    if let Some(v) = &opts.release_version {
        return v.clone();
    }
    let file = rb.path.display();
    match &rb.release.version {
        VersionSource::Literal(v) => v.clone(),
        VersionSource::File(p) => {
            let path = dir.join(p);
            match std::fs::read_to_string(&path) {
                Ok(s) if !s.trim().is_empty() => s.trim().to_owned(),
                Ok(_) => {
                    problems.push(format!("{file}: release.version: {} is empty", path.display()));
                    String::new()
                }
                Err(e) => {
                    problems.push(format!(
                        "{file}: release.version: cannot read {}: {e} (or pass --release-version)",
                        path.display()
                    ));
                    String::new()
                }
            }
        }
        VersionSource::Env(name) => std::env::var(name).unwrap_or_else(|_| {
            problems.push(format!(
                "{file}: release.version: environment variable {name} is not set (or pass --release-version)"
            ));
            String::new()
        }),
        VersionSource::GitDescribe => {
            let gp = rb.git.as_ref().map_or(".", |g| g.path.as_str());
            git::describe(&dir.join(gp)).unwrap_or_else(|e| {
                problems.push(format!("{file}: release.version: {e}"));
                String::new()
            })
        }
    }
}

/// Resolve `rb` for a release. Hard errors (an unknown environment, a bad `--set`) fail;
/// anything merely missing is collected in `problems`.
pub fn resolve(mut rb: Runbook, source: String, opts: &Options) -> Result<Resolved> {
    let env_name = opts
        .env
        .clone()
        .unwrap_or_else(|| rb.release.environment.clone());
    let vars = apply_overrides(&rb, &env_name, &opts.sets).map_err(|e| eyre!("{e}"))?;
    let protected = rb.is_protected(&env_name);
    let dir = rb.dir.clone();
    let mut problems = Vec::new();
    let version = version(&rb, &dir, opts, &mut problems);
    let rolled_back = match (&rb.git, &opts.state_dir) {
        (Some(_), Some(root)) => RolledBack::read(root, &rb.release.name, &env_name),
        _ => RolledBack::default(),
    };
    let git = match &rb.git {
        None => None,
        Some(g) => match git::info(
            &dir.join(&g.path),
            &g.release_tags,
            &g.lkg_tags,
            &version,
            &|t| rolled_back.of_tag(t, &g.release_tags).is_some(),
        ) {
            Ok(i) => Some(i),
            Err(e) => {
                problems.push(format!("{}: [git]: {e}", rb.path.display()));
                None
            }
        },
    };
    let strip = |tag: &Option<String>, glob: &str| {
        tag.as_ref().map(|t| git::tag_version(t, glob).to_owned())
    };
    let (previous, previous_version, lkg, lkg_version, head, short) = match (&git, &rb.git) {
        (Some(i), Some(g)) => (
            i.previous.clone(),
            strip(&i.previous, &g.release_tags),
            i.lkg.clone(),
            i.lkg.as_ref().map(|t| {
                let glob = g
                    .lkg_tags
                    .iter()
                    .find(|p| t.starts_with(git::literal_prefix(p)));
                git::tag_version(t, glob.map_or("", String::as_str)).to_owned()
            }),
            i.head.clone(),
            i.short.clone(),
        ),
        _ => (None, None, None, None, None, None),
    };
    let ctx = Context {
        version,
        release_name: rb.release.name.clone(),
        environment: env_name.clone(),
        operator: operator(opts.operator.as_deref()),
        previous,
        previous_version,
        lkg,
        lkg_version,
        git_head: head,
        git_short: short,
        vars,
        env: std::env::vars().collect::<BTreeMap<_, _>>(),
        captures: BTreeMap::new(),
        rollback_version: None,
        baselines: BTreeMap::new(),
    };
    render_docker_hosts(&mut rb, &ctx)?;
    Ok(Resolved {
        runbook: rb,
        source,
        env_name,
        protected,
        ctx,
        git,
        rolled_back,
        problems,
        operator_key: None,
    })
}

/// `[[docker.hosts]]` URLs are templates: render them once, so every Docker client (the
/// watcher, docker steps, the docker gate, `status`) connects to the same rendered URL.
fn render_docker_hosts(rb: &mut Runbook, ctx: &Context) -> Result<()> {
    let path = rb.path.display().to_string();
    for h in &mut rb.docker_hosts {
        if !h.url.contains("{{") && !h.url.contains("{%") {
            continue;
        }
        let tpl = crate::runbook::Tpl::new(h.url.clone(), 0..0);
        let url = crate::runbook::template::render(&tpl, ctx).map_err(|e| {
            eyre!(
                "{path}: [[docker.hosts]] `{}`: url `{}`: {e}; set the variable or write the URL literally",
                h.name,
                h.url
            )
        })?;
        let url = url.trim().to_owned();
        if url.is_empty() {
            return Err(eyre!(
                "{path}: [[docker.hosts]] `{}`: url `{}` renders empty; it must name a Docker endpoint such as unix:///var/run/docker.sock",
                h.name,
                h.url
            ));
        }
        h.url = url;
    }
    Ok(())
}

/// The rollback target for `target`, from the resolved context.
pub fn rollback_target(r: &Resolved) -> Option<String> {
    use crate::runbook::RollbackTarget;
    match r.runbook.rollback.target {
        RollbackTarget::Previous => r.ctx.previous.clone(),
        RollbackTarget::Lkg => r.ctx.lkg.clone(),
        RollbackTarget::Pick => None,
    }
}

/// The target of a headless rollback: the answers file's `[rollback] target`, else one already
/// fixed (armed by a trigger, or confirmed earlier), else what `rollback.target` names. With
/// `rollback.target = "pick"` and no answer, an error that says how to give one.
pub fn headless_rollback_target(
    r: &Resolved,
    answer: Option<&str>,
    fixed: Option<String>,
) -> Result<Option<String>, String> {
    if let Some(a) = answer.map(str::trim).filter(|a| !a.is_empty()) {
        return Ok(Some(a.to_owned()));
    }
    if fixed.is_some() {
        return Ok(fixed);
    }
    if r.runbook.rollback.target != crate::runbook::RollbackTarget::Pick {
        return Ok(rollback_target(r));
    }
    let known: Vec<String> = [("previous", &r.ctx.previous), ("LKG", &r.ctx.lkg)]
        .iter()
        .filter_map(|(what, t)| t.as_ref().map(|t| format!("{what} {t}")))
        .collect();
    let known = if known.is_empty() {
        String::new()
    } else {
        format!(" (git: {})", known.join(", "))
    };
    Err(format!(
        "rollback.target = \"pick\" needs a choice: give it in the answers file (--answers FILE with [rollback] target = \"TAG or revision id\"){known}, or pick it in the cockpit"
    ))
}
