//! `--query`: JMESPath with the semantics of Python jmespath 1.1.0 as az runs it
//! (`Options(dict_cls=OrderedDict)`).
//!
//! The `jmespath` crate supplies the parser; the evaluator is ours because the crate's
//! disagrees with Python on az-visible points (string ordering, number equality,
//! function argument checks and their messages). Values from the command result are
//! borrowed, never copied, while evaluating.
//!
//! Here: the compiled query and its errors. `literals` parses backtick literals as Python's
//! `json.loads` does; `depth` holds Python's recursion limit; `value` the evaluator's values
//! with Python's equality and ordering; `eval` the evaluator; `functions` the built-ins and
//! their signatures; `sort` sorting and extremes; `number` Python's numbers.

use std::fmt::Write as _;

use jmespath::ast::Ast;

use super::data::{Data, Value};
use value::Val;

mod depth;
mod eval;
mod functions;
mod literals;
mod number;
mod sort;
mod value;

/// A compiled `--query` expression.
#[derive(Debug)]
pub struct Query {
    ast: Ast,
    /// The backtick literals, parsed as Python's `json.loads` parses them.
    literals: Vec<Data>,
}

/// Why a `--query` expression does not compile.
#[derive(Debug, PartialEq)]
pub enum CompileError {
    /// A jmespath syntax error: az's argparse error (exit 2, before any request).
    Syntax,
    /// Python's `RecursionError` while parsing, with its message: az prints a traceback
    /// (exit 1, before any request).
    Recursion(String),
}

/// Why evaluating a query failed, split the way az reports it.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum QueryError {
    /// A jmespath error: az prints `Invalid jmespath query supplied for `--query`: …`.
    #[error("{0}")]
    Jmespath(String),
    /// A Python exception that escapes jmespath (az prints a traceback).
    #[error("{0}")]
    Python(String),
}

impl Query {
    /// Compiles an expression as az does when it reads `--query`.
    pub fn compile(expression: &str) -> Result<Query, CompileError> {
        if expression.is_empty() {
            return Err(CompileError::Syntax);
        }
        // Python's lexer (literals included) runs before its parser.
        let (rewritten, literals) = literals::prepare(expression)?;
        if depth::too_deep_to_parse(&rewritten) {
            return Err(CompileError::Recursion(depth::RECURSION.into()));
        }
        jmespath::parse(&rewritten).map(|ast| Query { ast, literals }).map_err(|_| CompileError::Syntax)
    }

    /// Evaluates against `data`; dicts keep their key order, multiselect hashes come back as
    /// OrderedDicts.
    /// The result borrows from `data` (and the query's literals) whatever it keeps of them.
    pub fn search<'a>(&'a self, data: &'a Data) -> Result<Value<'a>, QueryError> {
        eval::eval(&self.literals, &self.ast, Val::of(data)).map_err(|f| *f.0)?.into_output()
    }
}

/// Dismantles the expression without recursing: `a.a.a…` and `a || a || …` chains parse
/// into trees tens of thousands deep, which a recursive drop would overflow the stack on.
impl Drop for Query {
    fn drop(&mut self) {
        fn take(node: &mut Ast) -> Ast {
            std::mem::replace(node, Ast::Identity { offset: 0 })
        }
        let mut stack = vec![take(&mut self.ast)];
        while let Some(mut node) = stack.pop() {
            match &mut node {
                Ast::Comparison { lhs, rhs, .. }
                | Ast::And { lhs, rhs, .. }
                | Ast::Or { lhs, rhs, .. }
                | Ast::Projection { lhs, rhs, .. }
                | Ast::Subexpr { lhs, rhs, .. } => {
                    stack.push(take(lhs));
                    stack.push(take(rhs));
                }
                Ast::Condition { predicate, then, .. } => {
                    stack.push(take(predicate));
                    stack.push(take(then));
                }
                Ast::Expref { ast, .. } => stack.push(take(ast)),
                Ast::Flatten { node, .. } | Ast::Not { node, .. } | Ast::ObjectValues { node, .. } => {
                    stack.push(take(node))
                }
                Ast::Function { args: nodes, .. } | Ast::MultiList { elements: nodes, .. } => {
                    stack.append(nodes)
                }
                Ast::MultiHash { elements, .. } => {
                    stack.extend(elements.iter_mut().map(|kv| take(&mut kv.value)))
                }
                _ => {}
            }
        }
    }
}

/// Formats a query error the way az's `--query` error handler prints it.
pub fn describe(err: &QueryError) -> String {
    let mut s = String::new();
    match err {
        QueryError::Jmespath(m) => {
            let _ = write!(s, "Invalid jmespath query supplied for `--query`: {m}");
        }
        QueryError::Python(m) => s.push_str(m),
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::data::Ordered;
    use serde_json::{Value, json};

    fn q(expr: &str, data: Value) -> Result<Data, QueryError> {
        Query::compile(expr).expect("compiles").search(&Data::from(&data)).map(|v| v.to_owned_data())
    }

    fn d(v: Value) -> Data {
        Data::from(&v)
    }

    fn manifests() -> Value {
        json!([
            {"digest": "sha256:a", "tags": ["latest"], "timestamp": "2019-04-01T00:00:00Z"},
            {"digest": "sha256:b", "tags": [], "timestamp": "2019-04-06T00:00:00Z"},
            {"digest": "sha256:c", "tags": null, "timestamp": "2019-03-01T00:00:00Z"}
        ])
    }

    #[test]
    fn seed_queries() {
        assert_eq!(q("[?tags[0]==null].digest", manifests()), Ok(d(json!(["sha256:b", "sha256:c"]))));
        assert_eq!(q("[?tags==null].digest", manifests()), Ok(d(json!(["sha256:c"]))));
        assert_eq!(
            q("[?timestamp < '2019-04-05'].[digest, timestamp]", manifests()),
            Ok(d(json!([["sha256:a", "2019-04-01T00:00:00Z"], ["sha256:c", "2019-03-01T00:00:00Z"]])))
        );
    }

    #[test]
    fn string_number_ordering_is_a_python_type_error() {
        assert_eq!(
            q("[?digest > `1`]", manifests()),
            Err(QueryError::Python("'>' not supported between instances of 'str' and 'int'".into()))
        );
        assert_eq!(q("`null` < `1`", json!(null)), Ok(d(json!(null))));
    }

    #[test]
    fn equality_follows_python() {
        assert_eq!(q("`1` == `1.0`", json!(null)), Ok(d(json!(true))));
        assert_eq!(q("`true` == `1`", json!(null)), Ok(d(json!(false))));
        assert_eq!(q("`[1]` == `[true]`", json!(null)), Ok(d(json!(true))));
    }

    #[test]
    fn functions_and_their_errors() {
        let data = json!({"t": [{"n": "v10", "s": 3}, {"n": "v9", "s": 10}, {"n": "latest", "s": 1}]});
        assert_eq!(q("sort_by(t, &n)[].n", data.clone()), Ok(d(json!(["latest", "v10", "v9"]))));
        assert_eq!(q("max(t[].n)", data.clone()), Ok(d(json!("v9"))));
        assert_eq!(q("avg(t[].s)", data.clone()), Ok(d(json!(4.666666666666667))));
        assert_eq!(q("sum(t[].s)", data.clone()), Ok(d(json!(14))));
        assert_eq!(q("ceil(`1.2`)", json!(null)), Ok(d(json!(2))));
        assert_eq!(
            q("length(t, t)", data.clone()),
            Err(QueryError::Jmespath("Expected 1 argument for function length(), received 2".into()))
        );
        assert_eq!(
            q("abs(missing)", data.clone()),
            Err(QueryError::Jmespath(
                "In function abs(), invalid type for value: None, expected one of: ['number'], received: \"null\""
                    .into()
            ))
        );
        assert_eq!(
            q("sort(`[\"b\", 1]`)", json!(null)),
            Err(QueryError::Jmespath(
                "In function sort(), invalid type for value: 1, expected one of: ['array-string', 'array-number'], received: \"int\"".into()
            ))
        );
        assert_eq!(q("to_string(t[0])", data), Ok(d(json!("{\"n\":\"v10\",\"s\":3}"))));
        assert_eq!(q("to_number(' 5 ')", json!(null)), Ok(d(json!(5))));
        assert_eq!(q("to_number('1_000')", json!(null)), Ok(d(json!(1000))));
        assert_eq!(q("to_number('1e3')", json!(null)), Ok(d(json!(1000.0))));
        assert_eq!(q("to_number('0x10')", json!(null)), Ok(d(json!(null))));
    }

    #[test]
    fn dicts_keep_their_order_and_multiselect_hashes_are_ordered_dicts() {
        let Ok(Data::List(rows)) = q("[].{z: digest, a: timestamp}", manifests()) else { panic!() };
        let Data::Dict(entries, Ordered::Yes) = &rows[0] else { panic!("an OrderedDict") };
        assert_eq!(entries.iter().map(|(k, _)| &**k).collect::<Vec<_>>(), ["z", "a"]);
        let Ok(Data::Dict(entries, Ordered::No)) = q("@", json!({"b": 1, "a": 2})) else { panic!() };
        assert_eq!(entries.iter().map(|(k, _)| &**k).collect::<Vec<_>>(), ["b", "a"]);
    }

    fn long_listing() -> Vec<Value> {
        (0..20_000)
            .map(|i| {
                // Long, equal-headed timestamps for some rows, so ties need the whole text.
                let long = if i % 7 == 0 { "-and-then-some-more-text" } else { "" };
                json!({
                    "digest": format!("sha256:{i:05}"),
                    "tags": if i % 3 == 0 { json!([format!("v{i}")]) } else { json!([]) },
                    "timestamp": format!("2019-{:02}-{:02}T00:00:00Z{long}", 1 + i % 12, 1 + i % 5),
                    "size": (i * 7919) % 1000,
                })
            })
            .collect()
    }

    #[test]
    fn a_long_list_fails_at_its_first_failing_row() {
        let mut rows = long_listing();
        rows[15_000]["timestamp"] = json!(3);
        rows[19_000]["timestamp"] = json!(null);
        assert_eq!(
            q("sort_by(@, &timestamp)", json!(rows)).unwrap_err(),
            QueryError::Jmespath(
                "In function sort_by(), invalid type for value: 3, expected one of: ['string'], received: \"number\""
                    .into()
            )
        );
        assert_eq!(
            q("[?timestamp < '2019-04']", json!(rows)).unwrap_err(),
            QueryError::Python("'<' not supported between instances of 'int' and 'str'".into())
        );
        rows[100]["timestamp"] = json!(1.5);
        assert_eq!(
            q("[?timestamp < '2019-04']", json!(rows)).unwrap_err(),
            QueryError::Python("'<' not supported between instances of 'float' and 'str'".into())
        );
    }

    #[test]
    fn string_sorts_are_stable_and_by_code_point() {
        let long = "x".repeat(40);
        let texts = [
            format!("{long}b"),
            "a\u{0}".to_string(),
            "é".to_string(),
            format!("{long}a"),
            "a".to_string(),
            String::new(),
            "z".to_string(),
            format!("{long}a"),
            "a".to_string(),
            "2019-01-01T00:00:00.0000000Z".to_string(),
            "2019-01-01T00:00:00.0000000".to_string(),
            "y".repeat(31),
            "y".repeat(32),
            format!("{}\u{0}", "y".repeat(31)),
            format!("{}\u{0}", "y".repeat(30)),
            "y".repeat(33),
            "y".repeat(32),
        ];
        let rows: Vec<Value> = texts.iter().enumerate().map(|(i, t)| json!({"t": t, "i": i})).collect();
        let mut expected: Vec<usize> = (0..texts.len()).collect();
        expected.sort_by(|a, b| texts[*a].cmp(&texts[*b]));
        // Code point order: the prefix and NUL cases first, as Python orders them.
        assert_eq!(expected[..6], [5, 10, 9, 4, 8, 1], "the test's own ordering of its texts");
        assert_eq!(q("sort_by(@, &t)[].i", json!(rows)), Ok(d(json!(expected))));
        let mut sorted = texts.clone();
        sorted.sort();
        assert_eq!(q("sort(@)", json!(texts)), Ok(d(json!(sorted))));
    }

    #[test]
    fn slices_follow_python() {
        assert_eq!(q("[::-1]", json!([1, 2, 3])), Ok(d(json!([3, 2, 1]))));
        assert_eq!(q("[-2:]", json!([1, 2, 3])), Ok(d(json!([2, 3]))));
        assert_eq!(q("[5:]", json!([1, 2, 3])), Ok(d(json!([]))));
        assert_eq!(q("name[0:2]", json!({"name": "abc"})), Ok(d(json!(null))));
    }

    #[test]
    fn syntax_errors_do_not_compile() {
        assert_eq!(Query::compile("[?name==").err(), Some(CompileError::Syntax));
        assert_eq!(Query::compile("").err(), Some(CompileError::Syntax));
    }
}
