//! `-o json`: `json.dumps(result, ensure_ascii=False, indent=2, sort_keys=True)` plus a newline.

use std::io::{self, Write};

use super::data::Value;
use super::pyrepr;

pub fn write<W: Write + ?Sized>(value: &Value, out: &mut W) -> io::Result<()> {
    write_value(value, 0, out)?;
    out.write_all(b"\n")
}

fn write_value<W: Write + ?Sized>(value: &Value, depth: usize, out: &mut W) -> io::Result<()> {
    match value.resolved() {
        Value::Null => out.write_all(b"null"),
        Value::Bool(b) => out.write_all(if *b { b"true" } else { b"false" }),
        Value::Int(i) => out.write_all(pyrepr::Int::new(*i).as_str().as_bytes()),
        Value::Float(f) => out.write_all(pyrepr::json_float(*f).as_bytes()),
        Value::Str(s) => pyrepr::write_json_string(s, false, out),
        Value::List(items) if items.is_empty() => out.write_all(b"[]"),
        Value::List(items) => {
            out.write_all(b"[")?;
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.write_all(b",")?;
                }
                newline(depth + 1, out)?;
                write_value(item, depth + 1, out)?;
            }
            newline(depth, out)?;
            out.write_all(b"]")
        }
        Value::Dict(entries, _) if entries.is_empty() => out.write_all(b"{}"),
        Value::Dict(entries, _) => {
            out.write_all(b"{")?;
            for (i, (key, value)) in Value::sorted_entries(entries).enumerate() {
                if i > 0 {
                    out.write_all(b",")?;
                }
                newline(depth + 1, out)?;
                pyrepr::write_json_string(key, false, out)?;
                out.write_all(b": ")?;
                write_value(value, depth + 1, out)?;
            }
            newline(depth, out)?;
            out.write_all(b"}")
        }
        Value::Borrowed(_) => unreachable!("resolved"),
    }
}

/// A line break, then `depth` levels of two-space indentation.
fn newline<W: Write + ?Sized>(depth: usize, out: &mut W) -> io::Result<()> {
    const INDENTED: &[u8] = b"\n                                                                ";
    let mut spaces = 2 * depth;
    let first = spaces.min(INDENTED.len() - 1);
    out.write_all(&INDENTED[..1 + first])?;
    spaces -= first;
    while spaces > 0 {
        let n = spaces.min(INDENTED.len() - 1);
        out.write_all(&INDENTED[1..1 + n])?;
        spaces -= n;
    }
    Ok(())
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
