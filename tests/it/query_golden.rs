//! `--query` and the writers against Python: every expression in
//! tests/golden/jmespath/cases.json was evaluated by jmespath 1.1.0 as az runs it and
//! rendered by az's own writers (knack) as json, tsv, table, yaml and jsonc in colour; azacr must agree
//! byte for byte, errors included.

use std::path::Path;

use azacr::output::query::{Query, QueryError};
use azacr::output::{Data, Format, render, render_in_color};
use serde_json::Value;

fn load(name: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/jmespath").join(name);
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

fn check(case: &Value, data: &Data) -> Result<(), String> {
    let expression = case["expression"].as_str().unwrap();
    let compiled = Query::compile(expression).ok();
    if case["error"]["kind"] == "parse" {
        return match compiled {
            None => Ok(()),
            Some(_) => Err("Python rejects the syntax; azacr accepted it".into()),
        };
    }
    let Some(query) = compiled else { return Err("azacr rejects the syntax; Python accepted it".into()) };
    let result = query.search(data);
    match (&case["error"], result) {
        (Value::Object(e), Err(got)) => {
            let want = e["message"].as_str().unwrap_or_default();
            match (e["kind"].as_str(), &got) {
                (Some("jmespath"), QueryError::Jmespath(m)) | (Some("python"), QueryError::Python(m))
                    if m == want =>
                {
                    Ok(())
                }
                _ => Err(format!("error: Python {} {want:?}, azacr {got:?}", e["kind"])),
            }
        }
        (Value::Object(e), Ok(got)) => Err(format!("Python failed ({e:?}), azacr returned {got:?}")),
        (_, Err(got)) => Err(format!("azacr failed: {got:?}")),
        (_, Ok(got)) if case["null"] == Value::Bool(true) => {
            if got == Data::Null {
                Ok(())
            } else {
                Err(format!("Python: null, azacr: {got:?}"))
            }
        }
        (_, Ok(got)) => {
            let mut problems = Vec::new();
            for (name, format) in [
                ("json", Format::Json),
                ("tsv", Format::Tsv),
                ("table", Format::Table),
                ("yaml", Format::Yaml),
                ("jsonc", Format::Jsonc),
                ("yamlc", Format::Yamlc),
            ] {
                let want = &case["output"][name];
                let ours = if name.ends_with('c') {
                    render_in_color(&got, format, true)
                } else {
                    render(&got, format, true)
                };
                if want.as_str() != Some(ours.as_str()) {
                    problems.push(format!("{name}:\n--- az\n{}\n--- azacr\n{ours}", text(want)));
                }
            }
            if problems.is_empty() { Ok(()) } else { Err(problems.join("\n")) }
        }
    }
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[test]
fn queries_and_writers_match_python_and_knack() {
    let data = load("data.json");
    let cases = load("cases.json");
    let cases = cases.as_array().unwrap();
    assert!(cases.len() >= 1000, "{} cases", cases.len());
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|case| {
            check(case, &Data::from(&data[case["data"].as_str().unwrap()])).err().map(|e| {
                format!(
                    "== [{}] {}\n{e}",
                    case["data"].as_str().unwrap(),
                    case["expression"].as_str().unwrap()
                )
            })
        })
        .collect();
    assert!(failures.is_empty(), "{} of {} differ:\n{}", failures.len(), cases.len(), failures.join("\n\n"));
}
