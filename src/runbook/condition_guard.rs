//! A static check of a condition's syntax tree before minijinja compiles it: refuses to repeat
//! a list or tuple literal (`[0] * N`). minijinja folds constant expressions while compiling,
//! without fuel, so `[x] * 10**8 ~ ''` would take seconds in `check` (found by fuzzing);
//! repetition at evaluation time is bounded by fuel.

use minijinja::machinery::ast::{BinOpKind, CallArg, Expr};

/// Why the expression is refused, or `None`. Syntax errors are left to the compiler.
pub fn refuse(src: &str) -> Option<String> {
    let expr = minijinja::machinery::parse_expr(src).ok()?;
    let mut found = None;
    walk(&expr, &mut |e| {
        if let Expr::BinOp(b) = e
            && matches!(b.op, BinOpKind::Mul)
            && (sequence_literal(&b.left) || sequence_literal(&b.right))
        {
            found.get_or_insert(
                "a condition cannot repeat a list (`[…] * N`); compare `result` with the values instead"
                    .to_owned(),
            );
        }
    });
    found
}

/// A list or tuple literal, or arithmetic over one (`([1] + [2])`).
fn sequence_literal(e: &Expr<'_>) -> bool {
    match e {
        Expr::List(_) | Expr::Tuple(_) => true,
        Expr::BinOp(b) => sequence_literal(&b.left) || sequence_literal(&b.right),
        Expr::UnaryOp(u) => sequence_literal(&u.expr),
        _ => false,
    }
}

/// Calls `f` on every node of the tree.
fn walk<'a>(e: &Expr<'a>, f: &mut dyn FnMut(&Expr<'a>)) {
    f(e);
    match e {
        Expr::Var(_) | Expr::Const(_) => {}
        Expr::Slice(s) => {
            walk(&s.expr, f);
            for part in [&s.start, &s.stop, &s.step].into_iter().flatten() {
                walk(part, f);
            }
        }
        Expr::UnaryOp(u) => walk(&u.expr, f),
        Expr::BinOp(b) => {
            walk(&b.left, f);
            walk(&b.right, f);
        }
        Expr::Compare(c) => {
            walk(&c.expr, f);
            for op in &c.ops {
                walk(&op.expr, f);
            }
        }
        Expr::IfExpr(i) => {
            walk(&i.test_expr, f);
            walk(&i.true_expr, f);
            if let Some(e) = &i.false_expr {
                walk(e, f);
            }
        }
        Expr::Filter(x) => {
            if let Some(e) = &x.expr {
                walk(e, f);
            }
            args(&x.args, f);
        }
        Expr::Test(t) => {
            walk(&t.expr, f);
            args(&t.args, f);
        }
        Expr::GetAttr(g) => walk(&g.expr, f),
        Expr::GetItem(g) => {
            walk(&g.expr, f);
            walk(&g.subscript_expr, f);
        }
        Expr::Call(c) => {
            walk(&c.expr, f);
            args(&c.args, f);
        }
        Expr::List(l) => l.items.iter().for_each(|e| walk(e, f)),
        Expr::Tuple(t) => t.items.iter().for_each(|e| walk(e, f)),
        Expr::Map(m) => m.keys.iter().chain(&m.values).for_each(|e| walk(e, f)),
    }
}

fn args<'a>(list: &[CallArg<'a>], f: &mut dyn FnMut(&Expr<'a>)) {
    for a in list {
        match a {
            CallArg::Pos(e)
            | CallArg::Kwarg(_, e)
            | CallArg::PosSplat(e)
            | CallArg::KwargSplat(e) => {
                walk(e, f);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::refuse;

    #[test]
    fn repeating_a_list_literal_is_refused_anywhere() {
        for src in [
            "[1] * 10**8 ~ '' == ''",
            "(10 * (1, 2)) | length > 0",
            "result > 1 and (([0] + [1]) * 3 | length) > 0",
            "result in ['a'] * 5",
        ] {
            let why = refuse(src).unwrap_or_else(|| panic!("{src} should be refused"));
            assert!(why.contains("cannot repeat a list"), "{why}");
        }
    }

    #[test]
    fn ordinary_conditions_pass() {
        for src in [
            "result > 0.05",
            "result * 100 > 5",
            "10 * (1, 2) | length > 0",
            "result.items[0] * 2 == 4",
            "result in ['a', 'b'] and result.x | length * 2 > 1",
            "'ab' * 3 == 'ababab'",
            "result >",
        ] {
            assert_eq!(refuse(src), None, "{src}");
        }
    }
}
