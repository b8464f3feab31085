//! `-o json`: `json.dumps(result, ensure_ascii=False, indent=2, sort_keys=True)` plus a newline.

use serde_json::Value;

use super::pyrepr;

pub fn render(value: &Value) -> String {
    let mut out = String::new();
    write_value(value, 0, &mut out);
    out.push('\n');
    out
}

fn write_value(value: &Value, depth: usize, out: &mut String) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&number(n)),
        Value::String(s) => pyrepr::json_string(s, false, out),
        Value::Array(items) if items.is_empty() => out.push_str("[]"),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(depth + 1, out);
                write_value(item, depth + 1, out);
            }
            newline(depth, out);
            out.push(']');
        }
        Value::Object(map) if map.is_empty() => out.push_str("{}"),
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, key) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(depth + 1, out);
                pyrepr::json_string(key, false, out);
                out.push_str(": ");
                write_value(&map[key], depth + 1, out);
            }
            newline(depth, out);
            out.push('}');
        }
    }
}

fn newline(depth: usize, out: &mut String) {
    out.push('\n');
    for _ in 0..depth {
        out.push_str("  ");
    }
}

/// A JSON number as Python prints it: ints exact, floats by `repr`.
pub fn number(n: &serde_json::Number) -> String {
    if n.is_f64() { pyrepr::json_float(n.as_f64().unwrap_or(f64::NAN)) } else { n.to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sorted_indented_python_style() {
        let v = json!({"b": [1, 2.0, "é"], "a": {}, "Z": [], "c": null, "d": 1e-5});
        assert_eq!(
            render(&v),
            "{\n  \"Z\": [],\n  \"a\": {},\n  \"b\": [\n    1,\n    2.0,\n    \"é\"\n  ],\n  \"c\": null,\n  \"d\": 1e-05\n}\n"
        );
        assert_eq!(render(&json!("x y")), "\"x y\"\n");
    }
}
