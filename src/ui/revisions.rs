//! The App's side of revisions: the model folded from the watcher's messages, and the rollback
//! picker that `R` opens first when `rollback.target = "pick"`.

use crate::model::revisions::{RevisionsModel, RevisionsMsg, SourceData};
use crate::release::Refusal;

use super::app::{App, AppEffect};
use super::modal::Modal;
use super::modal::picker::{self, RollbackPicker};

impl App {
    /// The revisions before the watcher's first reading (git as resolved at start).
    #[must_use]
    pub fn with_revisions(mut self, model: RevisionsModel) -> App {
        self.revisions = model;
        self
    }

    /// `rollback.target = "pick"`: `R` opens the picker before the confirmation.
    #[must_use]
    pub fn with_rollback_pick(mut self, pick: bool) -> App {
        self.pick = pick;
        self
    }

    pub fn revisions(&self) -> &RevisionsModel {
        &self.revisions
    }

    /// Whether `R` opens the picker first.
    pub fn picks_rollback(&self) -> bool {
        self.pick
    }

    fn pick_entries(&self) -> (Vec<picker::PickEntry>, Vec<String>) {
        let h = &self.header;
        picker::entries(&self.revisions, h.previous.as_deref(), h.lkg.as_deref())
    }

    /// How old a rollback target is: a git tag's date, else a revision row's.
    pub(crate) fn target_age(&self, target: &str) -> Option<String> {
        let git = self.revisions.git_info().and_then(|g| g.tag_time(target));
        let row = || {
            self.revisions.sources.iter().find_map(|s| match &s.data {
                SourceData::Rows(rows) => rows.iter().find(|r| r.id == target).and_then(|r| r.at),
                _ => None,
            })
        };
        git.or_else(row)
            .map(|t| super::text::ago((self.now - t).num_seconds()))
    }

    pub(crate) fn revisions_msg(&mut self, m: RevisionsMsg) {
        self.revisions.apply(m);
        if matches!(self.modal, Some(Modal::Picker(_))) {
            let (entries, notes) = self.pick_entries();
            if let Some(Modal::Picker(p)) = &mut self.modal {
                p.refresh(entries, notes);
            }
        }
    }

    /// Open the picker (and ask for fresh readings); refused when there is nothing to pick.
    pub(crate) fn open_picker(&mut self, out: &mut Vec<AppEffect>) -> Result<(), Refusal> {
        let (entries, notes) = self.pick_entries();
        let Some(p) = RollbackPicker::new(entries, notes.clone()) else {
            let why = if notes.is_empty() {
                String::new()
            } else {
                format!(" ({})", notes.join("; "))
            };
            return Err(Refusal(format!(
                "nothing to pick: no previous or LKG tag and no revision rows{why}"
            )));
        };
        self.modal = Some(Modal::Picker(p));
        out.push(AppEffect::RefreshRevisions);
        Ok(())
    }
}
