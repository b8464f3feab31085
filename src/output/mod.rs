//! Output: `--query` evaluation and az's output formats, as pure functions of a value.

pub mod data;
pub mod json;
mod pyrepr;
pub mod query;
pub mod tsv;

pub use data::Data;

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

/// Renders a result that has been through the query step (objects already in writer order).
/// `None` for the formats not built yet (yaml, table: issue 4), so they fail loudly rather
/// than print something az would not. jsonc is json while colour is off, which is always
/// the case for now.
pub fn render(value: &Data, format: Format) -> Option<String> {
    match format {
        Format::None => Some(String::new()),
        Format::Tsv => Some(tsv::render(value)),
        Format::Json | Format::Jsonc => Some(json::render(value)),
        Format::Yaml | Format::Yamlc | Format::Table => None,
    }
}
