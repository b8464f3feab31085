//! `-o json`: `json.dumps(result, ensure_ascii=False, indent=2, sort_keys=True)` plus a newline.

use super::data::Data;
use super::pyrepr;

pub fn render(value: &Data) -> String {
    let mut out = String::new();
    write_value(value, 0, &mut out);
    out.push('\n');
    out
}

fn write_value(value: &Data, depth: usize, out: &mut String) {
    match value {
        Data::Null => out.push_str("null"),
        Data::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Data::Int(i) => out.push_str(&i.to_string()),
        Data::Float(f) => out.push_str(&pyrepr::json_float(*f)),
        Data::Str(s) => pyrepr::json_string(s, false, out),
        Data::List(items) if items.is_empty() => out.push_str("[]"),
        Data::List(items) => {
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
        Data::Dict(entries, _) if entries.is_empty() => out.push_str("{}"),
        Data::Dict(entries, _) => {
            out.push('{');
            for (i, (key, value)) in Data::sorted_entries(entries).into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(depth + 1, out);
                pyrepr::json_string(key, false, out);
                out.push_str(": ");
                write_value(value, depth + 1, out);
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sorted_indented_python_style() {
        let v = json!({"b": [1, 2.0, "é"], "a": {}, "Z": [], "c": null, "d": 1e-5});
        assert_eq!(
            render(&Data::from(&v)),
            "{\n  \"Z\": [],\n  \"a\": {},\n  \"b\": [\n    1,\n    2.0,\n    \"é\"\n  ],\n  \"c\": null,\n  \"d\": 1e-05\n}\n"
        );
        assert_eq!(render(&Data::Str("x y".into())), "\"x y\"\n");
        assert_eq!(render(&Data::Float(f64::NAN)), "NaN\n");
    }
}
