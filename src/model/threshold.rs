//! A trigger's threshold: the condition a gate judges its value by (as written), and the
//! numeric bound drawn as a line when the condition is a simple comparison of `result` with a
//! number or an arithmetic expression of numbers and `baseline` (`result > 0.01`,
//! `p99 <= 2`, `result <= baseline * 2 + 0.001`, `0.5 > result`).

use crate::runbook::{GateKind, JsonCheck};

/// What a gate's values are judged by.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Threshold {
    /// The condition as the runbook says it (`result > 0.05`, `latency <= 500 ms`).
    pub condition: String,
    /// A bound known without parsing (`max_latency`, `min_days`).
    pub fixed: Option<f64>,
}

impl Threshold {
    /// The numeric bound for the chart's threshold line, given the trigger's baseline (when
    /// the condition uses `baseline`).
    pub fn bound(&self, baseline: Option<f64>) -> Option<f64> {
        self.fixed.or_else(|| bound(&self.condition, baseline))
    }
}

/// The threshold of a gate of `kind`, when its value is judged against one.
pub fn of_gate(kind: &GateKind) -> Option<Threshold> {
    match kind {
        GateKind::Prometheus {
            success_condition,
            failure_condition,
            ..
        } => {
            let condition = match (failure_condition, success_condition) {
                (Some(f), Some(s)) => format!("fail if {f}; pass if {s}"),
                (Some(f), None) => format!("fail if {f}"),
                (None, Some(s)) => format!("pass if {s}"),
                (None, None) => return None,
            };
            let fixed = failure_condition
                .as_deref()
                .or(success_condition.as_deref())
                .and_then(|c| bound(c, None));
            Some(Threshold {
                condition: condition.clone(),
                fixed: fixed.filter(|_| !uses_baseline(&condition)),
            })
        }
        GateKind::Http {
            json: Some(JsonCheck::Condition { condition, .. }),
            ..
        } => Some(Threshold {
            condition: condition.clone(),
            fixed: None,
        }),
        GateKind::Http {
            json: None,
            max_latency: Some(max),
            ..
        } => {
            let ms = max.fixed().map(|d| d.as_secs_f64() * 1000.0);
            Some(Threshold {
                condition: match ms {
                    Some(ms) => format!("latency <= {} ms", super::trend::fmt_num(ms)),
                    None => "latency <= max_latency".to_owned(),
                },
                fixed: ms,
            })
        }
        GateKind::Tls {
            min_days: Some(d), ..
        } => Some(Threshold {
            condition: format!("days left >= {d}"),
            fixed: Some(f64::from(*d)),
        }),
        _ => None,
    }
}

fn uses_baseline(condition: &str) -> bool {
    condition.contains("baseline")
}

/// The numeric bound of a simple comparison (`result OP EXPR` or `EXPR OP result`, where the
/// left side of the comparison may be any one name such as `p99`); `None` for anything else
/// (`and`, `or`, strings, a `baseline` not known yet).
pub fn bound(condition: &str, baseline: Option<f64>) -> Option<f64> {
    // The part a prometheus threshold names first (`fail if …; pass if …`).
    let c = condition.split(';').next()?.trim();
    let c = c
        .strip_prefix("fail if ")
        .or_else(|| c.strip_prefix("pass if "))
        .unwrap_or(c);
    if c.contains(" and ") || c.contains(" or ") {
        return None;
    }
    let (at, op) = ["<=", ">=", "==", "!=", "<", ">"]
        .iter()
        .find_map(|op| c.find(op).map(|i| (i, *op)))?;
    let (left, right) = (c[..at].trim(), c[at + op.len()..].trim());
    let name = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_alphanumeric() || c == '_');
    let expr = if name(left) && left != "baseline" {
        right
    } else if name(right) && right != "baseline" {
        left
    } else {
        return None;
    };
    let v = Expr {
        toks: tokens(expr)?,
        at: 0,
        baseline,
    }
    .eval()?;
    v.is_finite().then_some(v)
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Num(f64),
    Baseline,
    Op(char),
}

fn tokens(s: &str) -> Option<Vec<Tok>> {
    let mut out = Vec::new();
    let chars: Vec<char> = s.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if "+-*/()".contains(c) {
            out.push(Tok::Op(c));
            i += 1;
        } else if c.is_ascii_digit() || c == '.' {
            let start = i;
            while i < chars.len()
                && (chars[i].is_ascii_digit()
                    || chars[i] == '.'
                    || chars[i] == 'e'
                    || (matches!(chars[i], '+' | '-') && chars[i - 1] == 'e'))
            {
                i += 1;
            }
            let text: String = chars[start..i].iter().collect();
            out.push(Tok::Num(text.parse().ok()?));
        } else if c.is_alphabetic() {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            if word != "baseline" {
                return None;
            }
            out.push(Tok::Baseline);
        } else {
            return None;
        }
    }
    Some(out)
}

/// A tiny recursive-descent evaluator: `+ - * /`, unary minus, parentheses.
struct Expr {
    toks: Vec<Tok>,
    at: usize,
    baseline: Option<f64>,
}

impl Expr {
    fn eval(&mut self) -> Option<f64> {
        let v = self.sum(0)?;
        (self.at == self.toks.len()).then_some(v)
    }

    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.at)
    }

    fn sum(&mut self, depth: usize) -> Option<f64> {
        let mut v = self.product(depth)?;
        while let Some(Tok::Op(op @ ('+' | '-'))) = self.peek().cloned() {
            self.at += 1;
            let r = self.product(depth)?;
            v = if op == '+' { v + r } else { v - r };
        }
        Some(v)
    }

    fn product(&mut self, depth: usize) -> Option<f64> {
        let mut v = self.unary(depth)?;
        while let Some(Tok::Op(op @ ('*' | '/'))) = self.peek().cloned() {
            self.at += 1;
            let r = self.unary(depth)?;
            v = if op == '*' { v * r } else { v / r };
        }
        Some(v)
    }

    fn unary(&mut self, depth: usize) -> Option<f64> {
        if depth > 32 {
            return None;
        }
        let t = self.peek().cloned()?;
        self.at += 1;
        match t {
            Tok::Num(n) => Some(n),
            Tok::Baseline => self.baseline,
            Tok::Op('-') => self.unary(depth + 1).map(|v| -v),
            Tok::Op('(') => {
                let v = self.sum(depth + 1)?;
                (self.peek() == Some(&Tok::Op(')'))).then(|| {
                    self.at += 1;
                    v
                })
            }
            Tok::Op(_) => None,
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::float_cmp)]
mod tests {
    use super::*;

    #[test]
    fn simple_comparisons_give_their_bound() {
        assert_eq!(bound("result > 0.01", None), Some(0.01));
        assert_eq!(bound("p99 <= 2", None), Some(2.0));
        assert_eq!(bound("result>=5", None), Some(5.0));
        assert_eq!(bound("0.5 > result", None), Some(0.5));
        assert_eq!(bound("result == 0", None), Some(0.0));
        assert_eq!(bound("result < -3", None), Some(-3.0));
        assert_eq!(bound("result < 1e-3", None), Some(0.001));
        assert_eq!(bound("fail if result > 0.05", None), Some(0.05));
        assert_eq!(
            bound("fail if result > 0.05; pass if result < 0.5", None),
            Some(0.05)
        );
    }

    #[test]
    fn baseline_expressions_need_the_baseline() {
        let c = "result <= baseline * 2 + 0.001";
        assert_eq!(bound(c, None), None);
        assert_eq!(bound(c, Some(0.01)), Some(0.021));
        assert_eq!(bound("result < (baseline + 1) / 2", Some(3.0)), Some(2.0));
    }

    #[test]
    fn anything_else_has_no_bound() {
        for c in [
            "result > 0.01 and result < 5",
            "result == \"1.4.2\"",
            "result in [1, 2]",
            "result",
            "result > (1",
            "result > 1 2",
            "a > b",
            "",
        ] {
            assert_eq!(bound(c, Some(1.0)), None, "{c}");
        }
    }

    #[test]
    fn a_fixed_bound_wins_and_a_condition_is_parsed_late() {
        let t = Threshold {
            condition: "latency <= 500ms".into(),
            fixed: Some(500.0),
        };
        assert_eq!(t.bound(None), Some(500.0));
        let t = Threshold {
            condition: "result <= baseline * 2".into(),
            fixed: None,
        };
        assert_eq!(t.bound(Some(4.0)), Some(8.0));
    }
}
