//! `-o tsv`: one line per element, cells joined by TAB, in the objects' key order
//! (sorted for plain dicts, insertion order for multiselect hashes: see `query`).

use serde_json::Value;

use super::{json, pyrepr};

pub fn render(value: &Value) -> String {
    let mut out = String::new();
    let rows: Vec<&Value> = match value {
        Value::Array(items) => items.iter().collect(),
        other => vec![other],
    };
    for row in rows {
        match row {
            Value::Object(map) => {
                let cells: Vec<String> = map.values().map(cell).collect();
                out.push_str(&cells.join("\t"));
            }
            Value::Array(items) => {
                let cells: Vec<String> = items.iter().map(cell).collect();
                out.push_str(&cells.join("\t"));
            }
            Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            scalar => out.push_str(&cell(scalar)),
        }
        out.push('\n');
    }
    out
}

/// A value inside a row: lists print their length, dicts an empty cell, scalars `str()`.
fn cell(value: &Value) -> String {
    match value {
        Value::Null => "None".into(),
        Value::Bool(b) => if *b { "True" } else { "False" }.into(),
        Value::Number(n) if n.is_f64() => pyrepr::float(n.as_f64().unwrap_or(f64::NAN)),
        Value::Number(n) => json::number(n),
        Value::String(s) => s.clone(),
        Value::Array(items) => items.len().to_string(),
        Value::Object(_) => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn rows_cells_and_scalars() {
        assert_eq!(render(&json!(["a", "b"])), "a\nb\n");
        assert_eq!(render(&json!([["sha256:a", "2019"]])), "sha256:a\t2019\n");
        assert_eq!(
            render(&json!([{"d": "x", "t": ["a", "b"], "c": {}, "n": null, "b": false}])),
            "x\t2\t\tNone\tFalse\n"
        );
        assert_eq!(render(&json!(true)), "true\n");
        assert_eq!(render(&json!([])), "");
        assert_eq!(render(&json!(1.5)), "1.5\n");
    }
}
