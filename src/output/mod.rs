//! Output: `--query` evaluation and az's output formats, as pure functions of a value.

pub mod color;
pub mod json;
pub mod out;
mod pyrepr;
pub mod query;
pub mod table;
pub mod tsv;
pub mod yaml;

use std::io::{self, Write};

pub use crate::data::{self, Data, Value};
use out::Out;

/// az's `--output` values, in the order az lists them in its error message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Json,
    Jsonc,
    Yaml,
    Yamlc,
    Table,
    Tsv,
    None,
}

impl Format {
    pub const NAMES: [&'static str; 7] = ["json", "jsonc", "yaml", "yamlc", "table", "tsv", "none"];

    pub fn parse(name: &str) -> Option<Format> {
        Some(match name.to_ascii_lowercase().as_str() {
            "json" => Format::Json,
            "jsonc" => Format::Jsonc,
            "yaml" => Format::Yaml,
            "yamlc" => Format::Yamlc,
            "table" => Format::Table,
            "tsv" => Format::Tsv,
            "none" => Format::None,
            _ => return None,
        })
    }
}

/// Renders a result as az prints it. `query_active` matters for tables only (az keeps the
/// dicts' key order when `--query` was given). jsonc and yamlc are json and yaml in plain
/// text; see `render_in_color`.
pub fn render(value: &Value, format: Format, query_active: bool) -> String {
    let mut out = Out::buffer();
    write(value, format, query_active, &mut out);
    out.into_text()
}

/// `render`, handed to `sink` in chunks as it is produced.
pub fn render_to(value: &Value, format: Format, query_active: bool, sink: &mut dyn Write) -> io::Result<()> {
    let mut out = Out::streaming(sink);
    write(value, format, query_active, &mut out);
    out.finish()
}

fn write(value: &Value, format: Format, query_active: bool, out: &mut Out) {
    match format {
        Format::None => {}
        Format::Tsv => tsv::write(value, out),
        Format::Json | Format::Jsonc => json::write(value, out),
        Format::Yaml | Format::Yamlc => yaml::write(value, out),
        Format::Table => table::write(value, query_active, out),
    }
}

/// What az prints when colour is on (stdout and stderr are terminals, `no_color` unset):
/// jsonc and yamlc painted as Pygments paints them.
pub fn render_in_color(value: &Value, format: Format, query_active: bool) -> String {
    match format {
        Format::Jsonc => color::json(&render(value, Format::Json, query_active)),
        Format::Yamlc => color::yaml(&render(value, Format::Yaml, query_active)),
        other => render(value, other, query_active),
    }
}
