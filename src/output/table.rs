//! `-o table`: knack's automatic table (no command here has a table transformer) drawn the
//! way tabulate's "simple" format draws it with `disable_numparse=True`.

use super::data::{Key, Value};
use super::pyrepr;

/// Columns az leaves out of tables.
const SKIP_KEYS: [&str; 3] = ["id", "type", "etag"];
const MIN_PADDING: usize = 2;

/// `query_active`: az keeps the dicts' own key order when `--query` was given, and sorts
/// the keys otherwise.
pub fn render(value: &Value, query_active: bool) -> String {
    let items: Vec<&Value> = match value.resolved() {
        Value::List(items) => Value::prefetching(items).collect(),
        other => vec![other],
    };
    let rows: Vec<Vec<(String, &Value)>> = items.iter().map(|item| row(item, !query_active)).collect();
    if rows.is_empty() {
        return "\n".into();
    }
    // Headers: every key, in first-seen order.
    let mut headers: Vec<String> = Vec::new();
    for row in &rows {
        for (key, _) in row {
            if !headers.contains(key) {
                headers.push(key.clone());
            }
        }
    }
    if headers.is_empty() {
        // Nothing to show (every value a list, dict or null): tabulate draws nothing.
        return "\n".into();
    }
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|row| {
            headers
                .iter()
                .map(|h| row.iter().find(|(k, _)| k == h).map(|(_, v)| cell(v)).unwrap_or_default())
                .collect()
        })
        .collect();
    draw(&headers, &cells) + "\n"
}

/// knack's `_auto_table_item`: the columns one element contributes.
fn row<'v, 'a>(item: &'v Value<'a>, sort_keys: bool) -> Vec<(String, &'v Value<'a>)> {
    match item.resolved() {
        Value::Dict(entries, _) => {
            let ordered: Vec<&(Key, Value)> =
                if sort_keys { Value::sorted_entries(entries).collect() } else { entries.iter().collect() };
            ordered
                .into_iter()
                .filter(|(k, v)| {
                    !SKIP_KEYS.contains(&&**k)
                        && !matches!(v.resolved(), Value::Null | Value::List(_) | Value::Dict(..))
                })
                .map(|(k, v)| (capitalize_first(k), v))
                .collect()
        }
        Value::List(values) => {
            values.iter().enumerate().map(|(i, v)| (format!("Column{}", i + 1), v)).collect()
        }
        scalar => vec![("Result".to_string(), scalar)],
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
fn cell(value: &Value) -> String {
    match value.resolved() {
        Value::Null => String::new(),
        other => pyrepr::str_of(other),
    }
}

/// tabulate "simple": left-aligned columns of width max(header + 2, widest cell), two
/// spaces between columns, a dashed rule under the header, every line right-stripped; a
/// cell with line breaks spreads its row over several lines.
fn draw(headers: &[String], rows: &[Vec<String>]) -> String {
    let lines_of = |s: &str| -> Vec<String> {
        let trimmed = s.trim();
        if trimmed.contains('\n') {
            trimmed.lines().map(str::to_string).collect()
        } else {
            vec![trimmed.to_string()]
        }
    };
    let width = |s: &str| s.chars().count();
    let widths: Vec<usize> = headers
        .iter()
        .enumerate()
        .map(|(i, h)| {
            let widest = rows.iter().flat_map(|r| lines_of(&r[i])).map(|l| width(&l)).max().unwrap_or(0);
            let header = lines_of(h).iter().map(|l| width(l)).max().unwrap_or(0);
            widest.max(header + MIN_PADDING)
        })
        .collect();
    let emit = |cells: &[String], out: &mut Vec<String>| {
        let split: Vec<Vec<String>> = cells.iter().map(|c| lines_of(c)).collect();
        let height = split.iter().map(Vec::len).max().unwrap_or(1);
        for line in 0..height {
            let parts: Vec<String> = split
                .iter()
                .enumerate()
                .map(|(i, lines)| {
                    let text = lines.get(line).map(String::as_str).unwrap_or("");
                    format!("{text}{}", " ".repeat(widths[i].saturating_sub(width(text))))
                })
                .collect();
            out.push(parts.join("  ").trim_end().to_string());
        }
    };
    let mut out: Vec<String> = Vec::new();
    emit(headers, &mut out);
    let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
    out.push(rule.join("  ").trim_end().to_string());
    for row in rows {
        emit(row, &mut out);
    }
    out.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::Data;
    use serde_json::json;

    fn table(v: serde_json::Value, query: bool) -> String {
        render(&Data::from(&v), query)
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
    }
}
