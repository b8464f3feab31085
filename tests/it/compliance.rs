//! The JMESPath compliance suite that ships in the `jmespath` crate's package (found through
//! `cargo metadata`, wherever cargo keeps it: its registry, a vendored tree, another
//! `CARGO_HOME`; the suite's files are not ours to copy).

use std::path::PathBuf;
use std::process::Command;

use azacr::output::Data;
use azacr::output::query::{Query, QueryError};
use serde_json::Value;

/// `JMESPATH_COMPLIANCE_DIR` runs another copy of the suite, such as the newest one from the
/// jmespath.test repository.
fn suite_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("JMESPATH_COMPLIANCE_DIR") {
        return PathBuf::from(dir);
    }
    // Only this platform's packages: others (wasm's, say) may not be downloaded.
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let version = Command::new(rustc).arg("-vV").output().expect("rustc -vV");
    let version = String::from_utf8_lossy(&version.stdout).into_owned();
    let host = version.lines().find_map(|l| l.strip_prefix("host: ")).expect("rustc's host");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let out = Command::new(cargo)
        .args([
            "metadata",
            "--format-version",
            "1",
            "--offline",
            "--filter-platform",
            host,
            "--manifest-path",
        ])
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml"))
        .output()
        .expect("cargo metadata");
    assert!(out.status.success(), "cargo metadata: {}", String::from_utf8_lossy(&out.stderr));
    let metadata: Value = serde_json::from_slice(&out.stdout).expect("cargo metadata's JSON");
    let package = metadata["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "jmespath")
        .expect("azacr depends on jmespath");
    let manifest = PathBuf::from(package["manifest_path"].as_str().unwrap());
    let dir = manifest.parent().unwrap().join("tests/compliance");
    assert!(dir.is_dir(), "no compliance suite in {}", dir.display());
    dir
}

/// The suite's name for the kind of a runtime error, told from Python jmespath's wording.
fn kind(error: &QueryError) -> &'static str {
    let text = error.to_string();
    if text.starts_with("Unknown function:") {
        "unknown-function"
    } else if text.starts_with("Expected ") && text.contains("argument") {
        "invalid-arity"
    } else if text.contains("invalid type for value") || text.contains("not supported between instances") {
        "invalid-type"
    } else if text == "slice step cannot be zero" {
        "invalid-value"
    } else {
        "unrecognised"
    }
}

/// JSON equality with numbers compared by value (1 == 1.0), as the suite means it.
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same(p, q)),
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}

fn to_json(d: &Data) -> Value {
    match d {
        Data::Null => Value::Null,
        Data::Bool(b) => Value::Bool(*b),
        Data::Int(i) => serde_json::json!(*i as f64),
        Data::Float(f) => serde_json::json!(f),
        Data::Str(s) => Value::String(s.to_string()),
        Data::List(items) => Value::Array(items.iter().map(to_json).collect()),
        Data::Dict(entries, _) => {
            Value::Object(entries.iter().map(|(k, v)| (k.to_string(), to_json(v))).collect())
        }
        Data::Borrowed(inner) => to_json(inner),
    }
}

#[test]
fn compliance_suite_passes() {
    let mut total = 0;
    let mut failures = Vec::new();
    let mut files: Vec<PathBuf> =
        std::fs::read_dir(suite_dir()).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    for file in files {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        let groups: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
        for group in groups.as_array().unwrap() {
            for case in group["cases"].as_array().unwrap() {
                let expression = case["expression"].as_str().unwrap();
                let id = format!("{name}: {expression}");
                if case.get("result").is_none() && case.get("error").is_none() {
                    continue; // benchmarks
                }
                total += 1;
                let outcome = Query::compile(expression)
                    .ok()
                    .map(|q| q.search(&Data::from(&group["given"])).map(|v| v.to_owned_data()));
                let ok = match (case.get("error").and_then(Value::as_str), &outcome) {
                    (Some("syntax"), None) => true,
                    (Some("syntax"), Some(_)) => false,
                    (Some(want), Some(Err(e))) => kind(e) == want,
                    (Some(_), _) => false,
                    (None, Some(Ok(got))) => same(&to_json(got), &case["result"]),
                    (None, _) => false,
                };
                if !ok {
                    failures.push(format!(
                        "{id}\n  want {:?}\n  got {outcome:?}",
                        case.get("result").or(case.get("error"))
                    ));
                }
            }
        }
    }
    assert!(total > 800, "only {total} cases found");
    assert!(
        failures.is_empty(),
        "{} of {total} compliance cases fail:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
