//! `-o tsv`: one line per element, cells joined by TAB; plain dicts in sorted-key order,
//! OrderedDicts in insertion order.

use std::io::{self, Write};

use super::data::{Ordered, Value};
use super::pyrepr;

pub fn write<W: Write + ?Sized>(value: &Value, out: &mut W) -> io::Result<()> {
    match value.resolved() {
        Value::List(rows) => rows.iter().try_for_each(|row| write_row(row, out)),
        other => write_row(other, out),
    }
}

fn write_row<W: Write + ?Sized>(row: &Value, out: &mut W) -> io::Result<()> {
    match row.resolved() {
        Value::Dict(entries, Ordered::Yes) => join(entries.iter().map(|(_, v)| v), out)?,
        Value::Dict(entries, Ordered::No) => join(Value::sorted_entries(entries).map(|(_, v)| v), out)?,
        Value::List(items) => join(items.iter(), out)?,
        Value::Bool(b) => out.write_all(if *b { b"true" } else { b"false" })?,
        scalar => cell(scalar, out)?,
    }
    out.write_all(b"\n")
}

fn join<'v, 'a: 'v, W: Write + ?Sized>(
    cells: impl Iterator<Item = &'v Value<'a>>,
    out: &mut W,
) -> io::Result<()> {
    for (i, c) in cells.enumerate() {
        if i > 0 {
            out.write_all(b"\t")?;
        }
        cell(c, out)?;
    }
    Ok(())
}

/// A value inside a row: lists print their length, dicts an empty cell, scalars `str()`.
fn cell<W: Write + ?Sized>(value: &Value, out: &mut W) -> io::Result<()> {
    match value.resolved() {
        Value::List(items) => out.write_all(pyrepr::Int::new(items.len() as u64).as_str().as_bytes()),
        Value::Dict(..) => Ok(()),
        Value::Str(s) => out.write_all(s.as_bytes()),
        scalar => out.write_all(pyrepr::str_of(scalar).as_bytes()),
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
