//! `-o tsv`: one line per element, cells joined by TAB; plain dicts in sorted-key order,
//! OrderedDicts in insertion order.

use super::data::{Ordered, Value};
use super::out::Out;
use super::pyrepr;

pub fn write(value: &Value, out: &mut Out) {
    match value.resolved() {
        Value::List(rows) => out.write_values(rows, |_, row, out| write_row(row, out)),
        other => write_row(other, out),
    }
}

fn write_row(row: &Value, out: &mut String) {
    match row.resolved() {
        Value::Dict(entries, Ordered::Yes) => join(entries.iter().map(|(_, v)| v), out),
        Value::Dict(entries, Ordered::No) => join(Value::sorted_entries(entries).map(|(_, v)| v), out),
        Value::List(items) => join(items.iter(), out),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        scalar => cell(scalar, out),
    }
    out.push('\n');
}

fn join<'v, 'a: 'v>(cells: impl Iterator<Item = &'v Value<'a>>, out: &mut String) {
    for (i, c) in cells.enumerate() {
        if i > 0 {
            out.push('\t');
        }
        cell(c, out);
    }
}

/// A value inside a row: lists print their length, dicts an empty cell, scalars `str()`.
fn cell(value: &Value, out: &mut String) {
    match value.resolved() {
        Value::List(items) => pyrepr::push_int(items.len() as u64, out),
        Value::Dict(..) => {}
        Value::Str(s) => out.push_str(s),
        scalar => out.push_str(&pyrepr::str_of(scalar)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::{Data, Format};
    use serde_json::json;

    fn tsv(v: serde_json::Value) -> String {
        crate::output::render(&Data::from(&v), Format::Tsv, false)
    }

    #[test]
    fn rows_cells_and_scalars() {
        assert_eq!(tsv(json!(["a", "b"])), "a\nb\n");
        assert_eq!(tsv(json!([["sha256:a", "2019"]])), "sha256:a\t2019\n");
        assert_eq!(
            tsv(json!([{"d": "x", "t": ["a", "b"], "c": {}, "n": null, "b": false}])),
            "False\t\tx\tNone\t2\n"
        );
        assert_eq!(tsv(json!(true)), "true\n");
        assert_eq!(tsv(json!([])), "");
        assert_eq!(tsv(json!(1.5)), "1.5\n");
        let ordered = Data::Dict(vec![("z".into(), Data::Int(1)), ("a".into(), Data::Int(2))], Ordered::Yes);
        assert_eq!(crate::output::render(&ordered, Format::Tsv, false), "1\t2\n");
    }
}
