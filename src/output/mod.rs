//! Output: `--query` evaluation and az's output formats, as pure functions of a value.

pub mod color;
pub mod json;
pub(crate) mod pyrepr;
pub mod query;
pub mod table;
pub mod tsv;
pub mod yaml;

use std::io::{self, Write};

pub use crate::data::{self, Data, Value};

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

/// How much output gathers before it is handed to stdout: a long listing streams, a chunk at
/// a time, and is never held whole.
pub const STDOUT_BUFFER: usize = 64 * 1024;

/// Renders a result as az prints it. `query_active` matters for tables only (az keeps the
/// dicts' key order when `--query` was given). jsonc and yamlc are json and yaml in plain
/// text; see `render_in_color`.
pub fn render(value: &Value, format: Format, query_active: bool) -> String {
    let mut text = Vec::new();
    match render_to(value, format, query_active, &mut text) {
        Ok(()) => {
            String::from_utf8(text).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
        }
        Err(e) => unreachable!("writing to memory cannot fail: {e}"),
    }
}

/// `render`, written to `out` as it is produced. The first write error stops the writing.
pub fn render_to<W: Write + ?Sized>(
    value: &Value,
    format: Format,
    query_active: bool,
    out: &mut W,
) -> io::Result<()> {
    match format {
        Format::None => Ok(()),
        Format::Tsv => tsv::write(value, out),
        Format::Json | Format::Jsonc => json::write(value, out),
        Format::Yaml | Format::Yamlc => yaml::write(value, out),
        Format::Table => table::write(value, query_active, out),
    }
}

/// `render_to` through a `STDOUT_BUFFER` of buffering, flushed at the end: how a result
/// reaches stdout. Nothing is written after the first write error.
pub fn print<W: Write>(value: &Value, format: Format, query_active: bool, out: W) -> io::Result<()> {
    let mut out = io::BufWriter::with_capacity(STDOUT_BUFFER, out);
    let written = render_to(value, format, query_active, &mut out).and_then(|()| out.flush());
    if written.is_err() {
        // What is left in the buffer is dropped, not tried again.
        drop(out.into_parts());
    }
    written
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A stream that takes `room` bytes, then fails every write as a closed pipe does.
    struct Pipe {
        room: usize,
        taken: usize,
        writes_after_failing: usize,
        largest_write: usize,
    }

    impl Pipe {
        fn new(room: usize) -> Pipe {
            Pipe { room, taken: 0, writes_after_failing: 0, largest_write: 0 }
        }
    }

    impl Write for Pipe {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.largest_write = self.largest_write.max(buf.len());
            if self.taken >= self.room {
                if self.taken > self.room {
                    self.writes_after_failing += 1;
                }
                self.taken = self.room + 1;
                return Err(io::Error::from(io::ErrorKind::BrokenPipe));
            }
            let n = buf.len().min(self.room - self.taken);
            self.taken += n;
            Ok(n)
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    fn listing() -> serde_json::Value {
        let rows: Vec<serde_json::Value> = (0..5_000)
            .map(|i| json!({"digest": format!("sha256:{i:064}"), "tags": ["v1"], "n": i, "m": "a\nb"}))
            .collect();
        json!(rows)
    }

    #[test]
    fn a_failing_stream_stops_the_writing_with_its_error() {
        let data = Data::from(&listing());
        for format in [Format::Json, Format::Yaml, Format::Table, Format::Tsv] {
            let mut pipe = Pipe::new(1000);
            let e = render_to(&data, format, false, &mut pipe).unwrap_err();
            assert_eq!(e.kind(), io::ErrorKind::BrokenPipe, "{format:?}");
            assert_eq!(pipe.writes_after_failing, 0, "{format:?}");
            let mut pipe = Pipe::new(100_000);
            let e = print(&data, format, false, &mut pipe).unwrap_err();
            assert_eq!(e.kind(), io::ErrorKind::BrokenPipe, "{format:?}");
            assert_eq!(pipe.writes_after_failing, 0, "{format:?}");
        }
    }

    #[test]
    fn long_outputs_reach_the_stream_as_they_are_written() {
        let data = Data::from(&listing());
        for format in [Format::Json, Format::Yaml, Format::Table, Format::Tsv] {
            let whole = render(&data, format, false);
            assert!(whole.len() > 4 * STDOUT_BUFFER, "{format:?}");
            let mut pipe = Pipe::new(usize::MAX);
            print(&data, format, false, &mut pipe).unwrap();
            assert_eq!(pipe.taken, whole.len(), "{format:?}");
            assert!(pipe.largest_write <= STDOUT_BUFFER, "{format:?}: {}", pipe.largest_write);
        }
    }
}
