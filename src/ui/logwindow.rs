//! The log pane's window over the shown source: which lines are visible (all of them, or only
//! those the `&` filter lets through, like `less`), scrolling within the filtered lines, and the
//! `t` timestamps toggle; and container sources' lines. Only the visible window is computed.

use super::logs::Logs;
use super::logview::{LogView, Query};
use crate::logs::LogLine;

impl Logs {
    /// Lines of a container's stream (already masked), for the source `label`
    /// (`service/container`), created on first use.
    pub fn service_lines(&mut self, label: &str, lines: Vec<LogLine>) {
        if !self.services.iter().any(|(n, _)| n == label)
            && let Some((service, _)) = label.split_once('/')
        {
            if let Some(slot) = self
                .services
                .iter_mut()
                .find(|(n, v)| n == service && v.is_empty())
            {
                // The service's first container takes the place of its empty placeholder.
                label.clone_into(&mut slot.0);
            } else {
                self.insert_container(service, label);
            }
        }
        self.add_service(label);
        if let Some((_, v)) = self.services.iter_mut().find(|(n, _)| n == label) {
            v.extend_lines(lines);
        }
    }

    /// Set (or clear, with an empty text) the filter on every source.
    pub fn set_filter(&mut self, text: &str) {
        self.filter = Query::new(text);
        self.current = None;
        let f = self.filter.clone();
        for v in self.views_mut() {
            v.set_filter(f.as_ref());
        }
    }

    /// The filter, when one is set.
    pub fn filter(&self) -> Option<&Query> {
        self.filter.as_ref()
    }

    /// `t`: show or hide each line's time.
    pub fn toggle_timestamps(&mut self) {
        self.timestamps = !self.timestamps;
    }

    /// The absolute numbers of the lines to draw in a view `h` lines high, top first.
    pub fn visible(&self, h: usize) -> Vec<u64> {
        let Some((_, v)) = self.shown() else {
            return Vec::new();
        };
        let top = self.visible_top(h);
        if self.filter.is_none() {
            return (top..v.end().min(top + h as u64)).collect();
        }
        let f = v.filtered();
        let start = f.partition_point(|&n| n < top);
        f.range(start..).take(h).copied().collect()
    }

    /// Lines below the window (filtered lines when a filter is set).
    pub fn below(&self, h: usize) -> u64 {
        let Some((_, v)) = self.shown() else { return 0 };
        let shown = self.visible(h);
        let last = shown.last().copied().unwrap_or(0);
        if self.filter.is_some() {
            let f = v.filtered();
            (f.len() - f.partition_point(|&n| n <= last)) as u64
        } else {
            v.end().saturating_sub(self.visible_top(h) + h as u64)
        }
    }

    /// The top line with a filter: the `h`-th newest match when following.
    pub(crate) fn filtered_top(&self, v: &LogView, h: usize) -> u64 {
        let f = v.filtered();
        let bottom = f
            .get(f.len().saturating_sub(h))
            .copied()
            .unwrap_or_else(|| v.end());
        if self.follow {
            bottom
        } else {
            let at = f.partition_point(|&n| n < self.top);
            f.get(at).copied().unwrap_or(bottom).min(bottom)
        }
    }

    /// Scroll by `delta` filtered lines (negative: up, which pauses).
    pub(crate) fn filtered_scroll(&mut self, delta: isize, h: usize) {
        let Some((_, v)) = self.shown() else { return };
        if delta > 0 && self.follow {
            return;
        }
        let f = v.filtered();
        let top = self.filtered_top(v, h);
        let at = f.partition_point(|&n| n < top);
        let to = at
            .saturating_add_signed(delta)
            .min(f.len().saturating_sub(1));
        let target = f.get(to).copied().unwrap_or(top);
        self.pause_at(target);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn logs(lines: &[&str]) -> Logs {
        let mut l = Logs::new();
        l.service_lines(
            "svc/c1",
            lines
                .iter()
                .map(|s| crate::logs::LogLine::plain(*s))
                .collect(),
        );
        l
    }

    #[test]
    fn filter_shows_only_matching_lines() {
        let mut l = logs(&["a 1", "b", "a 2", "c", "a 3"]);
        l.set_filter("a");
        assert_eq!(l.visible(2), [2, 4]);
        assert_eq!(l.visible(10), [0, 2, 4]);
        l.scroll_up(1, 2);
        assert!(!l.follow);
        assert_eq!(l.visible(2), [0, 2]);
        assert_eq!(l.below(2), 1);
        l.set_filter("");
        l.end();
        assert_eq!(l.visible(2), [3, 4]);
    }

    #[test]
    fn timestamps_toggle() {
        let mut l = logs(&["x"]);
        assert!(!l.timestamps);
        l.toggle_timestamps();
        assert!(l.timestamps);
    }
}
