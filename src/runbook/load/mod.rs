//! Loading a runbook: parse the TOML into a spanned document, convert every section with
//! span-aware code, and collect every error (DESIGN.md §3.2 "check is static").

mod checks;
mod cx;
mod fields;
mod gate_kinds;
mod gates;
mod notifications;
mod refs;
mod release;
mod rollback;
mod services;
mod step_kinds;
mod steps;
mod title;
mod trust;
mod value;
mod vars;
mod wait_for;

use sha2::Digest as _;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use toml::de::DeTable;

use super::diag::{self, Diagnostic};
use super::schema::Runbook;
use cx::Cx;
use fields::Fields;

/// A runbook that loaded without errors, and the warnings found on the way.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub runbook: Runbook,
    pub warnings: Vec<Diagnostic>,
}

/// Why a runbook file did not load: its diagnostics (with the source, to render them), or an
/// I/O error.
#[derive(Debug, Clone)]
pub struct LoadFailure {
    pub source: Option<String>,
    pub diagnostics: Vec<Diagnostic>,
    pub io_error: Option<String>,
}

impl LoadFailure {
    /// `FILE:LINE:COL: message` per diagnostic, or `FILE: cannot read: reason`.
    pub fn render_lines(&self, file: &str) -> Vec<String> {
        if let Some(e) = &self.io_error {
            return vec![format!("{file}: cannot read: {e}")];
        }
        let src = self.source.as_deref().unwrap_or_default();
        self.diagnostics
            .iter()
            .map(|d| d.render(file, src))
            .collect()
    }
}

/// Load a runbook file. `runbook.path` is `path` as given.
pub fn load_file(path: &Path) -> Result<Loaded, LoadFailure> {
    let src = std::fs::read_to_string(path).map_err(|e| LoadFailure {
        source: None,
        diagnostics: Vec::new(),
        io_error: Some(e.to_string()),
    })?;
    load_str(&src, path).map_err(|diagnostics| LoadFailure {
        source: Some(src),
        diagnostics,
        io_error: None,
    })
}

/// Load a runbook from its source. On failure, every diagnostic (errors and warnings), sorted
/// by position.
pub fn load_str(src: &str, path: &Path) -> Result<Loaded, Vec<Diagnostic>> {
    let (doc, errors) = DeTable::parse_recoverable(src);
    if !errors.is_empty() {
        let mut diags: Vec<Diagnostic> = errors
            .iter()
            .map(|e| {
                let span = e.span().unwrap_or(0..0);
                Diagnostic::error(span, format!("invalid TOML: {}", e.message().trim()))
            })
            .collect();
        diag::sort(&mut diags);
        return Err(diags);
    }
    let doc = doc.into_inner();
    let mut cx = Cx {
        src: src.to_string(),
        ..Cx::default()
    };
    let runbook = convert(&mut cx, &doc, path);
    let mut diags = cx.diags;
    diag::sort(&mut diags);
    match runbook {
        Some(runbook) if !diags.iter().any(Diagnostic::is_error) => Ok(Loaded {
            runbook,
            warnings: diags,
        }),
        _ => Err(diags),
    }
}

fn convert(cx: &mut Cx, doc: &DeTable<'_>, path: &Path) -> Option<Runbook> {
    let mut top = Fields::top(doc);
    let (release, environment, protected) = release::release(cx, top.get("release"));
    let environments = release::environments(cx, top.get("environments"));
    let vars = top
        .get("vars")
        .map(|v| release::scalars(cx, v, "[vars]"))
        .unwrap_or_default();
    let secrets = release::secrets(cx, top.get("secrets"));
    let git = release::git(cx, top.get("git"));
    let docker_hosts = services::docker_hosts(cx, top.get("docker"));
    let services = services::services(cx, top.get("services"));
    let gates = gates::gates(cx, top.get("gates"));
    cx.scope = Some(cx::Scope::Shared);
    let revisions = services::revisions(cx, top.get("revisions"));
    let mut ids = steps::Ids::new();
    let steps = steps::steps(cx, top.get("steps"), steps::List::Steps, &mut ids);
    let rollback = rollback::rollback(cx, top.get("rollback"), &mut ids);
    let mut env_names: Vec<&str> = environment.iter().map(String::as_str).collect();
    env_names.extend(
        environments
            .keys()
            .map(String::as_str)
            .filter(|e| Some(*e) != environment.as_deref()),
    );
    let trust = trust::trust(cx, top.get("trust"), &env_names);
    let journal = trust::journal(cx, top.get("journal"), top.has("git"));
    let notifications = notifications::notifications(cx, top.get("notifications"));
    top.finish(cx);

    let mut defined: BTreeSet<String> = vars.keys().cloned().collect();
    for env in environments.values() {
        defined.extend(env.vars.keys().cloned());
    }
    vars::check_templates(cx, &vars::Defined { vars: defined });
    refs::check_names(cx, &secrets);
    refs::check_baselines(cx, &gates, &steps);
    refs::check_auto_rollback(cx, environment.as_deref(), &protected, &environments);

    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    Some(Runbook {
        path: path.to_path_buf(),
        sha256: hex::encode(sha2::Sha256::digest(cx.src.as_bytes())),
        dir,
        release: release?,
        environments,
        vars,
        secrets,
        git,
        docker_hosts,
        services,
        gates,
        revisions,
        steps,
        rollback,
        trust,
        journal,
        notifications,
    })
}

#[cfg(test)]
mod tests {
    use sha2::Digest as _;

    #[test]
    fn the_runbook_carries_the_sha256_of_the_source_it_was_read_from() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("flightdeck.toml");
        let src = "[release]\nname = \"web\"\nenvironment = \"staging\"\nversion = \"1.0.0\"\n\n[[steps]]\nid = \"go\"\nkind = \"manual\"\n";
        std::fs::write(&path, src).unwrap();
        let rb = super::load_file(&path).unwrap().runbook;
        assert_eq!(rb.sha256, hex::encode(sha2::Sha256::digest(src.as_bytes())));
        // Edited on disk afterwards: the loaded runbook keeps the hash of what it runs.
        std::fs::write(&path, format!("{src}# edited\n")).unwrap();
        assert_eq!(rb.sha256, hex::encode(sha2::Sha256::digest(src.as_bytes())));
        assert_ne!(super::load_file(&path).unwrap().runbook.sha256, rb.sha256);
    }
}
