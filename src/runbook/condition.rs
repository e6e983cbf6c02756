//! Conditions (`result > 0.05`, `result == "1.4.2"`): minijinja expressions over `result`,
//! compiled once and evaluated against each measurement.

use std::fmt;
use std::sync::{Arc, LazyLock};

use minijinja::value::{Serde, Value, ValueKind};
use minijinja::{Environment, Expression, UndefinedBehavior};

use super::template::{describe, is_global};

static ENV: LazyLock<Environment<'static>> = LazyLock::new(|| {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_fuel(Some(FUEL));
    env
});

/// The work one evaluation may do (minijinja's fuel: instructions, items visited, bytes
/// allocated), so that no condition can run for long or allocate much, whatever `result` is.
const FUEL: u64 = 1_000_000;

/// A compiled condition; cloning shares the compiled expression.
#[derive(Clone)]
pub struct Condition {
    src: Arc<str>,
    expr: Arc<Expression<'static, 'static>>,
    /// The condition reads `baseline` (DESIGN.md §10).
    baseline: bool,
}

impl fmt::Debug for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Condition").field(&self.src).finish()
    }
}

/// Compile a condition; its variables are `result` and `baseline` (the gate's baseline, when
/// the gate has a `baseline` field: `check` refuses it otherwise).
pub fn compile(src: &str) -> Result<Condition, String> {
    Condition::compile(src)
}

impl Condition {
    pub fn compile(src: &str) -> Result<Condition, String> {
        if src.trim().is_empty() {
            return Err("empty condition; expected an expression like `result > 0.05`".into());
        }
        // minijinja's expression lexer panics ("empty lexer stack") on text after a `}}`
        // (found by fuzzing): reject a `}}` outside a string before it gets there.
        if let Some(at) = closing_braces(src) {
            return Err(format!(
                "unexpected `}}}}` at byte {at}; a condition is a bare expression like `result > 0.05`, without `{{{{ }}}}`"
            ));
        }
        if let Some(why) = super::condition_guard::refuse(src) {
            return Err(why);
        }
        let expr = ENV
            .compile_expression_owned(src.to_string())
            .map_err(|e| describe(&e))?;
        let mut unknown: Vec<String> = expr
            .undeclared_variables(false)
            .into_iter()
            .filter(|v| v != "result" && v != "baseline" && !is_global(v))
            .collect();
        unknown.sort();
        if let Some(name) = unknown.first() {
            return Err(format!(
                "unknown variable `{name}`; a condition can only use `result` (and `baseline`)"
            ));
        }
        let baseline = expr.undeclared_variables(false).contains("baseline");
        Ok(Condition {
            src: Arc::from(src),
            expr: Arc::new(expr),
            baseline,
        })
    }

    /// The source text, as written.
    pub fn source(&self) -> &str {
        &self.src
    }

    /// Whether the condition reads `baseline`.
    pub fn uses_baseline(&self) -> bool {
        self.baseline
    }

    /// Evaluate against a measurement; the expression must yield `true` or `false`.
    pub fn eval(&self, result: &serde_json::Value) -> Result<bool, String> {
        self.eval_with(result, None)
    }

    /// Evaluate against a measurement and the gate's baseline (`None`: not taken).
    pub fn eval_with(
        &self,
        result: &serde_json::Value,
        baseline: Option<f64>,
    ) -> Result<bool, String> {
        let mut pairs = vec![("result", Value::from(Serde(result)))];
        match baseline {
            Some(b) => pairs.push(("baseline", Value::from(b))),
            None if self.baseline => {
                return Err(format!(
                    "condition `{}` needs `baseline`, which has not been taken",
                    self.src
                ));
            }
            None => {}
        }
        let root = Value::from_pairs(pairs);
        let value = self
            .expr
            .eval(root)
            .map_err(|e| format!("condition `{}` failed: {}", self.src, describe(&e)))?;
        match value.kind() {
            ValueKind::Bool => Ok(value.is_true()),
            kind => Err(format!(
                "condition `{}` gave {kind} `{value}`, expected true or false",
                self.src
            )),
        }
    }
}

/// The byte offset of the first `}}` outside a string literal.
fn closing_braces(src: &str) -> Option<usize> {
    let b = src.as_bytes();
    let mut quote: Option<u8> = None;
    let mut i = 0;
    while i < b.len() {
        match (quote, b[i]) {
            (Some(_), b'\\') => i += 1,
            (Some(q), c) if c == q => quote = None,
            (None, c @ (b'"' | b'\'')) => quote = Some(c),
            (None, b'}') if b.get(i + 1) == Some(&b'}') => return Some(i),
            _ => {}
        }
        i += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn numeric_threshold() {
        let c = compile("result > 0.05").unwrap();
        assert!(c.eval(&json!(0.07)).unwrap());
        assert!(!c.eval(&json!(0.01)).unwrap());
        assert_eq!(c.source(), "result > 0.05");
    }

    #[test]
    fn string_equality_and_nested_access() {
        let c = compile("result == \"1.4.2\"").unwrap();
        assert!(c.eval(&json!("1.4.2")).unwrap());
        assert!(!c.eval(&json!("1.4.1")).unwrap());
        let c = compile("result.open == 0 and result.sev | length == 0").unwrap();
        assert!(c.eval(&json!({"open": 0, "sev": []})).unwrap());
        assert!(!c.eval(&json!({"open": 2, "sev": []})).unwrap());
    }

    #[test]
    fn syntax_errors_and_unknown_variables_are_rejected() {
        assert!(compile("result >").unwrap_err().contains("syntax error"));
        let err = compile("value > 1").unwrap_err();
        assert_eq!(
            err,
            "unknown variable `value`; a condition can only use `result` (and `baseline`)"
        );
        assert!(compile("  ").is_err());
    }

    #[test]
    fn closing_braces_are_rejected_not_a_panic() {
        // The fuzz crash (fuzz/regressions/condition_eval): minijinja panicked.
        let err = compile("reSult >}}}}}} 0.").unwrap_err();
        assert!(err.contains("unexpected `}}` at byte 8"), "{err}");
        assert!(compile("result > 0 }}").is_err());
        assert!(compile("{{ result > 0 }}").is_err());
        let c = compile("result == \"}}\" or result == '}}'").unwrap();
        assert!(c.eval(&json!("}}")).unwrap());
        let c = compile(r#"result == "a\"}}""#).unwrap();
        assert!(c.eval(&json!("a\"}}")).unwrap());
    }

    #[test]
    fn repeating_a_list_by_a_huge_count_is_an_error_not_a_hang() {
        // The fuzz hangs (fuzz/regressions/condition_eval/): minijinja 2 repeated sequences
        // without a cap, and minijinja folds constant expressions while compiling, without fuel.
        for src in [
            "[]-[]~4*[]*3*2**[]-[]~3*[]*2**51",
            "6566*66*6*['ii,t'] ~ 0 == ''",
        ] {
            let err = compile(src).unwrap_err();
            assert!(err.contains("cannot repeat a list"), "{err}");
        }
        // A measured list repeated at evaluation time: capped, and fuel bounds the work.
        let c = compile("(result * 2**51) | length > 0").unwrap();
        let err = c.eval(&json!([1, 2])).unwrap_err();
        assert!(err.contains("too large"), "{err}");
        let c = compile("1 in result * 10**8").unwrap();
        let err = c.eval(&json!([2])).unwrap_err();
        assert!(err.contains("out of fuel"), "{err}");
        let c = compile("('x' * 10**8) | length > 0").unwrap();
        assert!(c.eval(&json!(0)).unwrap_err().contains("out of fuel"));
        let c = compile("(result * 3) | length == 6").unwrap();
        assert!(c.eval(&json!([1, 2])).unwrap());
    }

    #[test]
    fn baseline_is_a_variable() {
        let c = compile("result <= baseline * 2 + 0.001").unwrap();
        assert!(c.uses_baseline());
        assert!(c.eval_with(&json!(0.02), Some(0.01)).unwrap());
        assert!(!c.eval_with(&json!(0.05), Some(0.01)).unwrap());
        let err = c.eval(&json!(0.02)).unwrap_err();
        assert!(err.contains("has not been taken"), "{err}");
        assert!(!compile("result > 1").unwrap().uses_baseline());
    }

    #[test]
    fn non_boolean_results_are_errors() {
        let c = compile("result + 1").unwrap();
        assert!(
            c.eval(&json!(1))
                .unwrap_err()
                .contains("expected true or false")
        );
        let c = compile("result.missing > 1").unwrap();
        assert!(c.eval(&json!({})).is_err());
    }

    #[test]
    fn clones_share_and_cross_threads() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Condition>();
        let c = compile("result").unwrap();
        let d = c.clone();
        assert!(Arc::ptr_eq(&c.expr, &d.expr));
        let handle = std::thread::spawn(move || d.eval(&json!(true)));
        assert!(handle.join().unwrap().unwrap());
    }
}
