//! `-o table`: knack's automatic table (no command here has a table transformer) drawn the
//! way tabulate's "simple" format draws it with `disable_numparse=True`.

use std::borrow::Cow;
use std::io::{self, Write};
use std::sync::Arc;

use super::data::{Key, Value};
use super::pyrepr;

/// Columns az leaves out of tables.
const SKIP_KEYS: [&str; 3] = ["id", "type", "etag"];
const MIN_PADDING: usize = 2;

/// `query_active`: az keeps the dicts' own key order when `--query` was given, and sorts
/// the keys otherwise.
pub fn write<W: Write + ?Sized>(value: &Value, query_active: bool, out: &mut W) -> io::Result<()> {
    let items: Vec<&Value> = match value.resolved() {
        Value::List(items) => items.iter().collect(),
        other => vec![other],
    };
    let mut columns = Columns::default();
    // Every row's cells one after another, by column; `ends[r]` is where row r's stop.
    let mut placed: Vec<(usize, &Value)> = Vec::new();
    let mut ends: Vec<usize> = Vec::with_capacity(items.len());
    for item in &items {
        columns.row(item, !query_active, &mut placed);
        ends.push(placed.len());
    }
    if ends.is_empty() || columns.names.is_empty() {
        // Nothing to show (no rows, or every value a list, dict or null): tabulate draws nothing.
        return out.write_all(b"\n");
    }
    let width = columns.names.len();
    let mut cells: Vec<Cow<str>> = vec![Cow::Borrowed(""); ends.len() * width];
    let mut start = 0;
    for (r, end) in ends.iter().enumerate() {
        for (column, value) in &placed[start..*end] {
            cells[r * width + column] = cell(value);
        }
        start = *end;
    }
    let headers: Vec<&str> = columns.names.iter().map(String::as_str).collect();
    draw(&headers, &cells, out)
}

/// The table's columns, named as knack names them, in first-seen order.
#[derive(Default)]
struct Columns {
    names: Vec<String>,
    /// A key's column, for keys seen before (keys repeat on every row, mostly the same
    /// shared key, found by address).
    by_key: Vec<(Key, usize)>,
    /// The columns of list items, by position.
    by_position: Vec<usize>,
}

impl Columns {
    fn index(&mut self, name: &str) -> usize {
        match self.names.iter().position(|n| n == name) {
            Some(i) => i,
            None => {
                self.names.push(name.to_string());
                self.names.len() - 1
            }
        }
    }

    fn for_key(&mut self, key: &Key) -> usize {
        let seen = self
            .by_key
            .iter()
            .find(|(k, _)| Arc::ptr_eq(k, key))
            .or_else(|| self.by_key.iter().find(|(k, _)| k == key));
        if let Some((_, i)) = seen {
            return *i;
        }
        let i = self.index(&capitalize_first(key));
        self.by_key.push((key.clone(), i));
        i
    }

    fn for_position(&mut self, position: usize) -> usize {
        while self.by_position.len() <= position {
            let i = self.index(&format!("Column{}", self.by_position.len() + 1));
            self.by_position.push(i);
        }
        self.by_position[position]
    }

    /// knack's `_auto_table_item`: appends the cells one element contributes, by column. Keys
    /// that capitalize alike share a column, the later value winning, as in knack's OrderedDict.
    fn row<'v, 'a>(&mut self, item: &'v Value<'a>, sort_keys: bool, cells: &mut Vec<(usize, &'v Value<'a>)>) {
        let start = cells.len();
        let mut put = |column: usize, value| match cells[start..].iter_mut().find(|(c, _)| *c == column) {
            Some(slot) => slot.1 = value,
            None => cells.push((column, value)),
        };
        match item.resolved() {
            Value::Dict(entries, _) => {
                let shown = |(k, v): &&'v (Key, Value<'a>)| {
                    !SKIP_KEYS.contains(&&**k)
                        && !matches!(v.resolved(), Value::Null | Value::List(_) | Value::Dict(..))
                };
                if sort_keys {
                    for (k, v) in Value::sorted_entries(entries).filter(|e| shown(e)) {
                        put(self.for_key(k), v);
                    }
                } else {
                    for (k, v) in entries.iter().filter(|e| shown(e)) {
                        put(self.for_key(k), v);
                    }
                }
            }
            Value::List(values) => {
                for (i, v) in values.iter().enumerate() {
                    put(self.for_position(i), v);
                }
            }
            scalar => put(self.index("Result"), scalar),
        }
    }
}

fn capitalize_first(key: &str) -> String {
    let mut chars = key.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().collect::<String>() + chars.as_str(),
        None => String::new(),
    }
}

/// tabulate's text for a value: `str()`, with None as the empty missing value.
fn cell<'v>(value: &'v Value) -> Cow<'v, str> {
    match value.resolved() {
        Value::Null => Cow::Borrowed(""),
        Value::Str(s) => Cow::Borrowed(&**s),
        other => Cow::Owned(pyrepr::str_of(other)),
    }
}

/// A cell's text as tabulate lays it out: stripped, then split at line breaks.
struct Text<'t> {
    stripped: &'t str,
    height: usize,
    /// The widest line's width.
    width: usize,
}

impl<'t> Text<'t> {
    fn new(text: &'t str) -> Text<'t> {
        let stripped = text.trim();
        if stripped.contains('\n') {
            let (height, width) = stripped.lines().fold((0, 0), |(h, w), line| (h + 1, w.max(width(line))));
            Text { stripped, height, width }
        } else {
            Text { stripped, height: 1, width: width(stripped) }
        }
    }

    fn line(&self, n: usize) -> &'t str {
        match self.height {
            1 if n == 0 => self.stripped,
            1 => "",
            _ => self.stripped.lines().nth(n).unwrap_or(""),
        }
    }
}

fn width(line: &str) -> usize {
    line.chars().count()
}

const SPACES: &str = "                                                                ";

/// tabulate "simple": left-aligned columns of width max(header + 2, widest cell), two
/// spaces between columns, a dashed rule under the header, every line right-stripped; a
/// cell with line breaks spreads its row over several lines. `cells` holds the rows one
/// after another, `headers.len()` cells each.
fn draw<W: Write + ?Sized>(headers: &[&str], cells: &[Cow<str>], out: &mut W) -> io::Result<()> {
    let columns = headers.len();
    let headers: Vec<Text> = headers.iter().map(|h| Text::new(h)).collect();
    let mut widths: Vec<usize> = headers.iter().map(|h| h.width + MIN_PADDING).collect();
    let texts: Vec<Text> = cells.iter().map(|cell| Text::new(cell)).collect();
    for (i, text) in texts.iter().enumerate() {
        widths[i % columns] = widths[i % columns].max(text.width);
    }
    // Each line is laid out here, then written.
    let mut text = String::new();
    let mut emit = |row: &[Text], out: &mut W| -> io::Result<()> {
        let height = row.iter().map(|c| c.height).max().unwrap_or(1);
        for line in 0..height {
            text.clear();
            for (i, cell) in row.iter().enumerate() {
                let part = cell.line(line);
                if i > 0 {
                    text.push_str("  ");
                }
                text.push_str(part);
                let shown = if cell.height == 1 && line == 0 { cell.width } else { width(part) };
                let mut pad = widths[i].saturating_sub(shown);
                while pad > 0 {
                    let n = pad.min(SPACES.len());
                    text.push_str(&SPACES[..n]);
                    pad -= n;
                }
            }
            text.truncate(text.trim_end().len());
            text.push('\n');
            out.write_all(text.as_bytes())?;
        }
        Ok(())
    };
    emit(&headers, out)?;
    let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
    let rule: Vec<Text> = rule.iter().map(|r| Text::new(r)).collect();
    emit(&rule, out)?;
    texts.chunks(columns).try_for_each(|row| emit(row, out))
}

#[cfg(test)]
mod tests {
    use crate::output::{Data, Format};
    use serde_json::json;

    fn table(v: serde_json::Value, query: bool) -> String {
        crate::output::render(&Data::from(&v), Format::Table, query)
    }

    #[test]
    fn simple_tables() {
        assert_eq!(table(json!(["latest", "v1"]), false), "Result\n--------\nlatest\nv1\n");
        assert_eq!(table(json!([{"a": 1}, {"b": 2}]), false), "A    B\n---  ---\n1\n     2\n");
        assert_eq!(table(json!([]), false), "\n");
        assert_eq!(
            table(json!({"name": "x", "id": "skip", "tags": ["a"], "size": 1.5, "ok": true}), false),
            "Name    Ok    Size\n------  ----  ------\nx       True  1.5\n"
        );
        // Recorded from knack: keys that capitalize alike share a column, the later one winning;
        // a cell with a line break spreads over lines, each padded, each line right-stripped.
        let rows = json!([{"name": 1, "Name": 2, "x": "a\tb  \n c"}, {"Name": 3}]);
        assert_eq!(table(rows, true), "Name    X\n------  -----\n2       a\tb\n         c\n3\n");
        assert_eq!(table(json!([{"name": 1, "Name": 2}]), false), "Name\n------\n1\n");
    }

    #[test]
    fn long_tables_pad_every_row_to_the_widest_cell() {
        let rows: Vec<serde_json::Value> =
            (0..20_000).map(|i| json!({"d": format!("x{i}"), "n": i})).collect();
        let mut expected = String::from("D       N\n------  -----\n");
        for i in 0..20_000 {
            expected.push_str(&format!("{:<6}  {i}\n", format!("x{i}")));
        }
        assert_eq!(table(json!(rows), true), expected);
    }
}
