//! `--query` expressions and literals nested as deep as az allows and far deeper: azacr
//! fails where az's Python recursion limit stops it, and never overflows its stack (see
//! src/output/query/depth.rs). Here, not among the unit tests, because they allocate tens of
//! megabytes, which would disturb the unit tests that measure the process's heap.

use azacr::output::query::{CompileError, Query, QueryError};
use azacr::output::{Data, Format};

const RECURSION: &str = "maximum recursion depth exceeded";

fn deep(kind: &str, n: usize) -> String {
    match kind {
        "[" => format!("{}{}", "[".repeat(n), "]".repeat(n)),
        "!" => format!("{}a", "!".repeat(n)),
        "(" => format!("{}a{}", "(".repeat(n), ")".repeat(n)),
        "f" => format!("{}a{}", "abs(".repeat(n), ")".repeat(n)),
        "{" => format!("{}b{}", "{a:".repeat(n), "}".repeat(n)),
        "[*]" => format!("a{}", "[*]".repeat(n)),
        "[?" => format!("a{}", "[?b]".repeat(n)),
        "`[" => format!("`{}{}`", "[".repeat(n), "]".repeat(n)),
        "`{" => format!("`{}1{}`", "{\"a\":".repeat(n), "}".repeat(n)),
        _ => unreachable!(),
    }
}

/// Runs `f` on a thread with the main thread's 8 MB stack (a test thread has 2 MB), where
/// azacr parses and evaluates.
fn on_main_sized_stack(f: impl FnOnce() + Send + 'static) {
    std::thread::Builder::new().stack_size(8 << 20).spawn(f).unwrap().join().expect("no stack overflow");
}

fn recursion(expr: &str) -> bool {
    matches!(Query::compile(expr), Err(CompileError::Recursion(m)) if m.starts_with(RECURSION))
}

/// az 2.91.0's last depth that parses, per construct (measured, see the module doc).
#[test]
fn parse_limits_are_az_s() {
    on_main_sized_stack(parse_limits);
}

/// az 2.91.0's deepest input that still parses, per construct (`deep`'s kinds).
const LAST_PARSED: [(&str, usize); 9] = [
    ("[", 318),
    ("!", 477),
    ("(", 477),
    ("f", 477),
    ("{", 318),
    ("[*]", 318),
    ("[?", 239),
    ("`[", 951),
    ("`{", 951),
];

fn parse_limits() {
    for (kind, last_ok) in LAST_PARSED {
        assert!(Query::compile(&deep(kind, last_ok)).is_ok(), "{kind} × {last_ok} parses in az");
        assert!(recursion(&deep(kind, last_ok + 1)), "{kind} × {} is too deep for az", last_ok + 1);
        assert!(recursion(&deep(kind, 6000)), "{kind} × 6000");
    }
    assert_eq!(
        Query::compile(&deep("`[", 952)).err(),
        Some(CompileError::Recursion(
            "maximum recursion depth exceeded while decoding a JSON array from a unicode string".into()
        ))
    );
    assert_eq!(
        Query::compile(&deep("`{", 952)).err(),
        Some(CompileError::Recursion(
            "maximum recursion depth exceeded while decoding a JSON object from a unicode string".into()
        ))
    );
}

fn eval(expr: &str) -> Result<Data, QueryError> {
    let data = Data::from(&serde_json::json!([{"a": 1}]));
    Query::compile(expr).expect("compiles").search(&data).map(|v| v.to_owned_data())
}

/// `a || a || …` parses at any length but evaluates recursively: 494 deep is az's last.
#[test]
fn evaluation_limit_is_az_s() {
    on_main_sized_stack(evaluation_limit);
}

fn evaluation_limit() {
    let chain = |op: &str, n: usize| vec!["a"; n + 1].join(op);
    for op in ["||", "&&"] {
        assert!(eval(&chain(op, 494)).is_ok(), "{op} × 494");
        assert_eq!(eval(&chain(op, 495)), Err(QueryError::Python(RECURSION.into())), "{op} × 495");
        assert_eq!(eval(&chain(op, 40_000)), Err(QueryError::Python(RECURSION.into())));
    }
    // `.a` chains are one node in Python, however long. (The jmespath crate parses `|` as
    // it parses `.`, so azacr evaluates `a | a | …` as a chain too, however long, where
    // az stops at 495.)
    assert_eq!(eval(&chain("|", 40_000)), Ok(Data::Null));
    // A comparison's own frames (see COMPARISON_FRAMES).
    assert!(eval(&chain("==", 487)).is_ok());
    assert_eq!(eval(&chain("==", 488)), Err(QueryError::Python(RECURSION.into())));
    assert_eq!(eval(&format!("[0]{}", ".a".repeat(40_000))), Ok(Data::Null));
    assert_eq!(eval(&format!("[0].a{}", "|@".repeat(100))), Ok(Data::Int(1)));
}

/// The deepest accepted inputs, and far deeper ones, on a thread with the main thread's
/// 8 MB stack: parsing, evaluating, printing and dropping stay within it.
#[test]
fn deep_inputs_never_overflow_the_stack() {
    on_main_sized_stack(|| {
        let data = Data::from(&serde_json::json!([{"a": [[1]]}]));
        let mut inputs: Vec<String> = LAST_PARSED.iter().map(|(k, n)| deep(k, *n)).collect();
        inputs.push(format!(
            "{}`{}{}`{}",
            "[".repeat(318),
            "[".repeat(600),
            "]".repeat(600),
            "]".repeat(318)
        ));
        inputs.push(format!("[0]{}", ".a".repeat(40_000)));
        inputs.push(vec!["a"; 40_000].join("||"));
        inputs.push(format!("a{}", "[0]".repeat(40_000)));
        let mut evaluated = 0;
        for expr in &inputs {
            let q = Query::compile(expr).expect("within az's parse limits");
            match q.search(&data) {
                Ok(v) => {
                    evaluated += 1;
                    for format in [Format::Json, Format::Yaml, Format::Table, Format::Tsv] {
                        azacr::output::render(&v, format, true);
                        azacr::output::render_in_color(&v, format, true);
                    }
                }
                // abs(null) is a jmespath error; the `||` chain is too deep.
                Err(QueryError::Jmespath(_)) => assert!(expr.starts_with("abs(")),
                Err(e) => assert_eq!(e, QueryError::Python(RECURSION.into())),
            }
        }
        assert_eq!(evaluated, inputs.len() - 2);
        for kind in ["[", "!", "(", "f", "{", "[*]", "[?", "`[", "`{"] {
            assert!(Query::compile(&deep(kind, 20_000)).is_err());
        }
    });
}
