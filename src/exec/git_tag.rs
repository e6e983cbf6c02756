//! The `git-tag` step: an annotated tag on HEAD of the `[git] path` repository (git2), and an
//! optional push of that one tag to `remote`.
//!
//! Refused: a worktree with changes to tracked files (unless `allow_dirty`), a tag that already
//! exists, an invalid tag name. A failed push removes the local tag again, so a retry starts
//! over. Pushes go through libgit2's own transports: local paths and `file://` URLs (this
//! build has no https or ssh transport).

use std::path::PathBuf;
use std::time::Instant;

use super::command::Handle;
use super::gates::git::{dirty_files, few, open};
use super::runtime::{Runtime, finish};
use crate::release::{Msg, Phase};
use crate::runbook::template::{self, Context};
use crate::runbook::{Step, StepKind};
use git2::{PushOptions, RemoteCallbacks, Repository, Signature};

/// What one `git-tag` step does.
#[derive(Debug, Clone)]
pub struct TagSpec {
    pub repo: PathBuf,
    pub tag: String,
    pub message: String,
    pub push: bool,
    pub remote: String,
    pub allow_dirty: bool,
    /// Tagger when the repository has no `user.name` / `user.email`.
    pub operator: String,
    pub host: String,
}

/// Render the step's templates and start it.
pub fn start(
    phase: Phase,
    step: &Step,
    rt: &Runtime,
    ctx: &Context,
) -> Result<Option<Handle>, String> {
    let StepKind::GitTag {
        tag,
        message,
        push,
        remote,
        allow_dirty,
    } = &step.kind
    else {
        return Err(format!("step `{}` is not a git-tag step", step.id));
    };
    let r = &rt.resolved;
    let err = |e: template::RenderError| r.render_error(&e);
    let tag = template::render(tag, ctx).map_err(err)?;
    let message = match message {
        Some(m) => template::render(m, ctx).map_err(err)?,
        None => format!("{} {} ({})", ctx.release_name, ctx.version, ctx.environment),
    };
    let repo = r
        .runbook
        .git
        .as_ref()
        .map_or_else(|| r.runbook.dir.clone(), |g| r.path(&g.path));
    let spec = TagSpec {
        repo,
        tag,
        message,
        push: *push,
        remote: remote.clone(),
        allow_dirty: *allow_dirty,
        operator: rt.operator.clone(),
        host: rt.host.clone(),
    };
    let tx = rt.sender();
    let id = step.id.clone();
    tokio::task::spawn_blocking(move || {
        let started = Instant::now();
        let say = |line: String| {
            let _ = tx.send(Msg::Output {
                phase,
                step: id.clone(),
                stream: "git".into(),
                lines: vec![line],
            });
        };
        let result = tag_and_push(&spec, say);
        finish(&tx, phase, &id, started, result);
    });
    Ok(None)
}

/// Create the tag (and push it). `say` reports progress lines.
pub fn tag_and_push(spec: &TagSpec, say: impl Fn(String)) -> Result<(), String> {
    let repo = open(&spec.repo)?;
    let refname = format!("refs/tags/{}", spec.tag);
    if spec.tag.is_empty() || !git2::Reference::is_valid_name(&refname) {
        return Err(format!("refused: `{}` is not a valid tag name", spec.tag));
    }
    if !spec.allow_dirty {
        let dirty = dirty_files(&repo)?;
        if !dirty.is_empty() {
            return Err(format!(
                "refused: the worktree has {} changed file(s): {}; commit them, or set allow_dirty = true",
                dirty.len(),
                few(&dirty)
            ));
        }
    }
    if let Ok(existing) = repo.revparse_single(&refname) {
        let at = existing
            .peel_to_commit()
            .map(|c| c.id().to_string().chars().take(7).collect::<String>())
            .unwrap_or_default();
        return Err(format!(
            "refused: tag {} already exists (at {at})",
            spec.tag
        ));
    }
    let head = repo
        .head()
        .and_then(|h| h.peel_to_commit())
        .map_err(|e| format!("no HEAD commit: {}", e.message()))?;
    let sig = repo
        .signature()
        .or_else(|_| Signature::now(&spec.operator, &format!("{}@{}", spec.operator, spec.host)))
        .map_err(|e| format!("no tagger identity: {}", e.message()))?;
    repo.tag(&spec.tag, head.as_object(), &sig, &spec.message, false)
        .map_err(|e| format!("cannot create tag {}: {}", spec.tag, e.message()))?;
    let short: String = head.id().to_string().chars().take(7).collect();
    say(format!(
        "tagged {short} as {} ({})",
        spec.tag,
        sig.name().unwrap_or("?")
    ));
    if !spec.push {
        return Ok(());
    }
    if let Err(why) = push(&repo, &spec.remote, &refname) {
        let undone = match repo.tag_delete(&spec.tag) {
            Ok(()) => "the local tag was removed, so a retry starts over".to_owned(),
            Err(e) => format!("the local tag is left in place ({})", e.message()),
        };
        return Err(format!(
            "pushing {} to {} failed: {why}; {undone}",
            spec.tag, spec.remote
        ));
    }
    say(format!("pushed {} to {}", spec.tag, spec.remote));
    Ok(())
}

fn push(repo: &Repository, remote: &str, refname: &str) -> Result<(), String> {
    let mut r = repo
        .find_remote(remote)
        .map_err(|e| format!("no remote `{remote}`: {}", e.message()))?;
    let rejected = std::cell::RefCell::new(None::<String>);
    let mut callbacks = RemoteCallbacks::new();
    callbacks.push_update_reference(|name, status| {
        if let Some(s) = status {
            *rejected.borrow_mut() = Some(format!("{name} rejected: {s}"));
        }
        Ok(())
    });
    let mut opts = PushOptions::new();
    opts.remote_callbacks(callbacks);
    r.push(&[format!("{refname}:{refname}")], Some(&mut opts))
        .map_err(|e| e.message().to_owned())?;
    drop(opts);
    match rejected.into_inner() {
        Some(why) => Err(why),
        None => Ok(()),
    }
}
