//! Diagnostics: an error or warning pointing at a byte span of the runbook, and its rendering
//! as `FILE:LINE:COL: message`.

use super::schema::Span;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    Error,
    Warning,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub span: Span,
    pub message: String,
}

impl Diagnostic {
    pub fn error(span: Span, message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Error,
            span,
            message: message.into(),
        }
    }

    pub fn warning(span: Span, message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Warning,
            span,
            message: message.into(),
        }
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// `FILE:LINE:COL: message`, or `FILE:LINE:COL: warning: message`.
    pub fn render(&self, file: &str, src: &str) -> String {
        let (line, col) = line_col(src, self.span.start);
        match self.severity {
            Severity::Error => format!("{file}:{line}:{col}: {}", self.message),
            Severity::Warning => format!("{file}:{line}:{col}: warning: {}", self.message),
        }
    }
}

/// 1-based line and column of a byte offset; the column counts chars, not bytes.
/// An offset past the end (or inside a char) is clamped to the nearest char boundary before it.
pub fn line_col(src: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(src.len());
    while !src.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &src[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let col = before[line_start..].chars().count() + 1;
    (line, col)
}

/// Sort diagnostics by position (then errors before warnings, then by message).
pub fn sort(diags: &mut [Diagnostic]) {
    diags.sort_by(|a, b| {
        (a.span.start, a.severity != Severity::Error, &a.message).cmp(&(
            b.span.start,
            b.severity != Severity::Error,
            &b.message,
        ))
    });
}

/// The candidate closest to `name`, when it is close enough to be a likely typo.
pub fn suggest<'a, I>(name: &str, candidates: I) -> Option<&'a str>
where
    I: IntoIterator<Item = &'a str>,
{
    let mut best: Option<(usize, f64, &str)> = None;
    for cand in candidates {
        let dist = strsim::damerau_levenshtein(name, cand);
        let limit = (name.chars().count().max(cand.chars().count()) / 3).max(1);
        if dist == 0 || dist > limit {
            continue;
        }
        let sim = strsim::jaro_winkler(name, cand);
        if best.is_none_or(|(d, s, _)| dist < d || (dist == d && sim > s)) {
            best = Some((dist, sim, cand));
        }
    }
    best.map(|(_, _, c)| c)
}

/// `; did you mean `x`?` when a suggestion fits, else `; LABEL: a, b, c` (or nothing when
/// there are no candidates at all).
pub fn hint<'a, I>(name: &str, candidates: I, label: &str) -> String
where
    I: IntoIterator<Item = &'a str>,
    I::IntoIter: Clone,
{
    let iter = candidates.into_iter();
    if let Some(s) = suggest(name, iter.clone()) {
        return format!("; did you mean `{s}`?");
    }
    let all: Vec<&str> = iter.collect();
    if all.is_empty() {
        String::new()
    } else {
        format!("; {label}: {}", all.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_lines_and_chars() {
        let src = "ab\ncdé\nxyz";
        assert_eq!(line_col(src, 0), (1, 1));
        assert_eq!(line_col(src, 2), (1, 3));
        assert_eq!(line_col(src, 3), (2, 1));
        // `é` is two bytes: the `\n` after it is column 4, not 5.
        assert_eq!(line_col(src, 7), (2, 4));
        assert_eq!(line_col(src, 8), (3, 1));
        assert_eq!(line_col(src, 100), (3, 4));
    }

    #[test]
    fn line_col_inside_a_char_clamps_back() {
        assert_eq!(line_col("é", 1), (1, 1));
    }

    #[test]
    fn render_error_and_warning() {
        let src = "a = 1\nbad = 2\n";
        let e = Diagnostic::error(6..9, "unknown field `bad`");
        assert_eq!(e.render("f.toml", src), "f.toml:2:1: unknown field `bad`");
        let w = Diagnostic::warning(10..11, "careful");
        assert_eq!(w.render("f.toml", src), "f.toml:2:5: warning: careful");
    }

    #[test]
    fn suggestions_pick_the_closest_typo() {
        let fields = ["success_condition", "failure_condition", "query", "server"];
        assert_eq!(
            suggest("failur_condition", fields),
            Some("failure_condition")
        );
        assert_eq!(suggest("helth", ["health", "db"]), Some("health"));
        assert_eq!(suggest("zzz", ["health", "db"]), None);
        assert_eq!(suggest("health", ["health"]), None);
    }

    #[test]
    fn hint_lists_candidates_without_a_close_match() {
        assert_eq!(
            hint("helth", ["health", "db"], "defined gates"),
            "; did you mean `health`?"
        );
        assert_eq!(
            hint("zzz", ["health", "db"], "defined gates"),
            "; defined gates: health, db"
        );
        assert_eq!(hint("zzz", [], "defined gates"), "");
    }

    #[test]
    fn sort_orders_by_position() {
        let mut d = vec![Diagnostic::error(9..10, "b"), Diagnostic::error(1..2, "a")];
        sort(&mut d);
        assert_eq!(d[0].message, "a");
    }
}
