//! `-o json`: `json.dumps(result, ensure_ascii=False, indent=2, sort_keys=True)` plus a newline.

use super::data::Value;
use super::out::Out;
use super::pyrepr;

pub fn write(value: &Value, out: &mut Out) {
    write_value(value, 0, out);
    out.push('\n');
}

fn write_value(value: &Value, depth: usize, out: &mut Out) {
    match value.resolved() {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) => pyrepr::push_int(*i, out),
        Value::Float(f) => out.push_str(&pyrepr::json_float(*f)),
        Value::Str(s) => pyrepr::json_string(s, false, out),
        Value::List(items) if items.is_empty() => out.push_str("[]"),
        Value::List(items) => {
            out.push('[');
            out.write_values(items, |i, item, out| {
                if i > 0 {
                    out.push(',');
                }
                newline(depth + 1, out);
                write_value(item, depth + 1, out);
            });
            newline(depth, out);
            out.push(']');
        }
        Value::Dict(entries, _) if entries.is_empty() => out.push_str("{}"),
        Value::Dict(entries, _) => {
            out.push('{');
            for (i, (key, value)) in Value::sorted_entries(entries).enumerate() {
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
        Value::Borrowed(_) => unreachable!("resolved"),
    }
}

fn newline(depth: usize, out: &mut Out) {
    out.push('\n');
    for _ in 0..depth {
        out.push_str("  ");
    }
}

#[cfg(test)]
mod tests {
    use crate::output::{Data, Format};
    use serde_json::json;

    #[test]
    fn sorted_indented_python_style() {
        let v = json!({"b": [1, 2.0, "é"], "a": {}, "Z": [], "c": null, "d": 1e-5});
        assert_eq!(
            crate::output::render(&Data::from(&v), Format::Json, false),
            "{\n  \"Z\": [],\n  \"a\": {},\n  \"b\": [\n    1,\n    2.0,\n    \"é\"\n  ],\n  \"c\": null,\n  \"d\": 1e-05\n}\n"
        );
        assert_eq!(crate::output::render(&Data::Str("x y".into()), Format::Json, false), "\"x y\"\n");
        assert_eq!(crate::output::render(&Data::Float(f64::NAN), Format::Json, false), "NaN\n");
    }

    #[test]
    fn long_lists_stream_as_they_buffer() {
        let items: Vec<serde_json::Value> =
            (0..20_000).map(|i| json!({"digest": format!("sha256:{i}"), "tags": [i, "é"]})).collect();
        let one = |item: &serde_json::Value| {
            let text = crate::output::render(&Data::from(&json!([item])), Format::Json, false);
            text["[\n".len()..text.len() - "\n]\n".len()].to_string()
        };
        let expected = format!("[\n{}\n]\n", items.iter().map(one).collect::<Vec<_>>().join(",\n"));
        let data = Data::from(&json!(items));
        assert_eq!(crate::output::render(&data, Format::Json, false), expected);
        let mut streamed = Vec::new();
        crate::output::render_to(&data, Format::Json, false, &mut streamed).unwrap();
        assert_eq!(String::from_utf8(streamed).unwrap(), expected);
    }
}
