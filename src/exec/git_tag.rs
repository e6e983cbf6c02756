//! The `git-tag` step: an annotated tag on HEAD of the `[git] path` repository (git2), and an
//! optional push of that one tag to `remote`.
//!
//! Refused: a worktree with changes to tracked files (unless `allow_dirty`), a tag that already
//! exists, an invalid tag name. The tag is made with git2; the push goes through the operator's
//! own `git` CLI ([`super::git_push`]: their credentials, ssh-agent and `known_hosts`). A failed
//! push says what git said and removes the local tag again, so a retry starts over.

use std::path::PathBuf;
use std::time::Instant;

use tokio::sync::mpsc;

use super::command::Handle;
use super::gates::git::{dirty_files, few, open};
use super::git_push;
use super::runtime::{Runtime, finish};
use crate::logs::Masker;
use crate::release::{Msg, Phase};
use crate::runbook::template::{self, Context};
use crate::runbook::{Step, StepKind};
use git2::Signature;

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
    let say = Say {
        tx: rt.sender(),
        phase,
        step: step.id.clone(),
    };
    let masker = rt.masker.clone();
    tokio::spawn(async move {
        let started = Instant::now();
        let result = tag_and_push(spec, say.clone(), masker).await;
        finish(&say.tx, phase, &say.step, started, result);
    });
    Ok(None)
}

/// Reports progress lines of one step.
#[derive(Clone)]
struct Say {
    tx: mpsc::UnboundedSender<Msg>,
    phase: Phase,
    step: String,
}

impl Say {
    fn line(&self, line: String) {
        let _ = self.tx.send(Msg::Output {
            phase: self.phase,
            step: self.step.clone(),
            stream: "git".into(),
            lines: vec![line],
        });
    }
}

/// Create the tag (git2, on a blocking thread), then push it (the `git` CLI).
async fn tag_and_push(spec: TagSpec, say: Say, masker: Masker) -> Result<(), String> {
    let s = spec.clone();
    let said = say.clone();
    tokio::task::spawn_blocking(move || create_tag(&s, |l| said.line(l)))
        .await
        .map_err(|e| format!("tagging failed: {e}"))??;
    if !spec.push {
        return Ok(());
    }
    let refname = format!("refs/tags/{}", spec.tag);
    if let Err(why) = git_push::push(&spec.repo, &spec.remote, &refname, &masker).await {
        let s = spec.clone();
        let undone = tokio::task::spawn_blocking(move || {
            match open(&s.repo)
                .and_then(|r| r.tag_delete(&s.tag).map_err(|e| e.message().to_owned()))
            {
                Ok(()) => "the local tag was removed, so a retry starts over".to_owned(),
                Err(e) => format!("the local tag is left in place ({e})"),
            }
        })
        .await
        .unwrap_or_else(|e| format!("the local tag is left in place ({e})"));
        return Err(format!(
            "pushing {} to {} failed: {why}; {undone}",
            spec.tag, spec.remote
        ));
    }
    say.line(format!("pushed {} to {}", spec.tag, spec.remote));
    Ok(())
}

/// Create the tag. `say` reports progress lines.
pub fn create_tag(spec: &TagSpec, say: impl Fn(String)) -> Result<(), String> {
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
    Ok(())
}
