//! The selected service (`<` / `>`): whose containers show CPU and memory, and whose stats
//! streams the cockpit keeps open; `→` / `←` expand it into its containers and fold it.

use super::app::App;

impl App {
    /// The selected service's name (its CPU and memory show), when there are services.
    pub fn selected_service(&self) -> Option<&str> {
        let defs = &self.docker.as_ref()?.1;
        defs.get(self.selected_service.min(defs.len().checked_sub(1)?))
            .map(|s| s.name.as_str())
    }

    /// Moves the selection `delta` services on, wrapping, and forgets the stats shown so far
    /// (they belong to the old selection). The new service's name, or why it cannot move.
    pub(crate) fn cycle_service(
        &mut self,
        delta: isize,
    ) -> Result<String, crate::release::Refusal> {
        let refuse = |s: &str| crate::release::Refusal(s.to_owned());
        let Some((model, defs)) = self.docker.as_mut() else {
            return Err(refuse("no services in this runbook"));
        };
        if defs.len() < 2 {
            return Err(refuse("only one service: it is already selected"));
        }
        let n = isize::try_from(defs.len()).unwrap_or(isize::MAX);
        let cur = isize::try_from(self.selected_service).unwrap_or(0);
        let next = usize::try_from((cur + delta).rem_euclid(n)).unwrap_or(0);
        self.selected_service = next;
        model.clear_stats();
        let name = defs[next].name.clone();
        self.inform(format!(
            "service `{name}` selected: its CPU and memory show"
        ));
        Ok(name)
    }

    /// `→` (`expand`) or `←`: show the selected service's containers, or one row again. Only
    /// with the services pane focused (elsewhere the arrows would surprise).
    pub(crate) fn fold(&mut self, expand: bool) -> Result<(), crate::release::Refusal> {
        let refuse = |s: String| Err(crate::release::Refusal(s));
        if self.focus != super::app::Focus::Services {
            return refuse(format!(
                "{} / {} expand and fold a service: focus the services pane first ({})",
                self.keymap.short(super::keymap::Action::Expand),
                self.keymap.short(super::keymap::Action::Fold),
                self.keymap.short(super::keymap::Action::FocusNext),
            ));
        }
        let Some(name) = self.selected_service().map(str::to_owned) else {
            return refuse("no services in this runbook".to_owned());
        };
        if expand {
            self.expanded.insert(name);
        } else {
            self.expanded.remove(&name);
        }
        Ok(())
    }

    /// A container's log batch: into its source and its service's merged source.
    pub(crate) fn container_log(
        &mut self,
        m: crate::model::logs::LogMsg,
        now: chrono::DateTime<chrono::Utc>,
    ) {
        self.dirty = true;
        if !self.log_prefixes.contains_key(&m.source) {
            let prefix = self.log_prefix(&m.source);
            self.log_prefixes.insert(m.source.clone(), prefix);
        }
        let prefix = self.log_prefixes.get(&m.source).map_or("", String::as_str);
        self.logs.container_lines(&m.source, m.lines, prefix, now);
    }

    /// The prefix of a container's lines in its service's merged source: the part of its
    /// name that tells it from the service's other containers (on every host).
    pub(crate) fn log_prefix(&self, source: &str) -> String {
        let Some((service, name)) = source.split_once('/') else {
            return source.to_owned();
        };
        let siblings: Vec<&str> = self.docker().map_or_else(Vec::new, |m| {
            m.containers_of(service)
                .map(|(_, c)| c.name.as_str())
                .filter(|n| !n.contains(crate::model::docker::fleet::PREV))
                .collect()
        });
        crate::model::docker::fleet::distinguishing_part(name, &siblings).to_owned()
    }
}
