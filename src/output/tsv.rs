//! `-o tsv`: one line per element, cells joined by TAB; plain dicts in sorted-key order,
//! OrderedDicts in insertion order.

use super::data::{Data, Ordered};
use super::pyrepr;

pub fn render(value: &Data) -> String {
    let mut out = String::with_capacity(4096);
    let rows: Vec<&Data> = match value {
        Data::List(items) => items.iter().collect(),
        other => vec![other],
    };
    for row in rows {
        match row {
            Data::Dict(entries, Ordered::Yes) => join(entries.iter().map(|(_, v)| v), &mut out),
            Data::Dict(entries, Ordered::No) => {
                join(Data::sorted_entries(entries).into_iter().map(|(_, v)| v), &mut out)
            }
            Data::List(items) => join(items.iter(), &mut out),
            Data::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            scalar => cell(scalar, &mut out),
        }
        out.push('\n');
    }
    out
}

fn join<'a>(cells: impl Iterator<Item = &'a Data>, out: &mut String) {
    for (i, c) in cells.enumerate() {
        if i > 0 {
            out.push('\t');
        }
        cell(c, out);
    }
}

/// A value inside a row: lists print their length, dicts an empty cell, scalars `str()`.
fn cell(value: &Data, out: &mut String) {
    match value {
        Data::List(items) => out.push_str(&items.len().to_string()),
        Data::Dict(..) => {}
        Data::Str(s) => out.push_str(s),
        scalar => out.push_str(&pyrepr::str_of(scalar)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn tsv(v: serde_json::Value) -> String {
        render(&Data::from(&v))
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
        assert_eq!(render(&ordered), "1\t2\n");
    }
}
