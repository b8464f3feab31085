//! The text a writer produces. Written to a stream, it is handed on in chunks as it grows,
//! so a large listing is never held whole: fresh memory costs a page fault per 4 KiB, which
//! dominated rendering long outputs into one string.

use std::io::{self, Write};
use std::ops::{Deref, DerefMut};

use super::data::Value;
use super::parallel;

/// How much text gathers before it is handed on.
const CHUNK: usize = 64 * 1024;

/// Values a thread writes at a time when a list is written by several.
const BLOCK: usize = 1024;

/// Lists this short are written as they are.
const SHORT: usize = 8;

pub struct Out<'w> {
    text: String,
    sink: Option<&'w mut dyn Write>,
    failed: Option<io::Error>,
}

impl<'w> Out<'w> {
    /// All the text, kept.
    pub fn buffer() -> Out<'static> {
        Out { text: String::new(), sink: None, failed: None }
    }

    /// Text handed to `sink` a chunk at a time.
    pub fn streaming(sink: &'w mut dyn Write) -> Out<'w> {
        Out { text: String::with_capacity(2 * CHUNK), sink: Some(sink), failed: None }
    }

    /// Marks a point between rows (never inside a line): streamed text is handed on here
    /// once a chunk has gathered. Writers may edit the current line until then.
    pub fn boundary(&mut self) {
        if self.text.len() >= CHUNK && self.sink.is_some() {
            self.send();
        }
    }

    /// Writes `values` in order, `write_value` given each one's index: the text is handed
    /// on between values. A long list is written by several threads (see
    /// `parallel::in_blocks`), what each value reaches loaded ahead of use.
    pub fn write_values<'v, 'a>(
        &mut self,
        values: &'v [Value<'a>],
        write_value: impl Fn(usize, &'v Value<'a>, &mut Out) + Sync,
    ) {
        if values.len() <= SHORT {
            // A row's own few values (a multiselect's): nothing to load ahead or share.
            for (i, value) in values.iter().enumerate() {
                write_value(i, value, self);
                self.boundary();
            }
            return;
        }
        self.write_each(values, |i, value, out| {
            Value::prefetch_ahead(i, |j| values.get(j));
            write_value(i, value, out);
        });
    }

    /// Writes `items` in order, as `write_values` writes values.
    pub fn write_each<'v, T: Sync>(
        &mut self,
        items: &'v [T],
        write_item: impl Fn(usize, &'v T, &mut Out) + Sync,
    ) {
        let write_block = |start: usize, block: &'v [T], out: &mut Out| {
            for (i, item) in block.iter().enumerate() {
                write_item(start + i, item, out);
                out.boundary();
            }
        };
        parallel::in_blocks(
            items,
            BLOCK,
            |start, block, text: &mut String| {
                let mut kept = Out { text: std::mem::take(text), sink: None, failed: None };
                kept.clear();
                write_block(start, block, &mut kept);
                *text = kept.text;
            },
            |start, block, written| match written {
                Some(text) => self.write_whole(text),
                None => write_block(start, block, self),
            },
        );
    }

    /// Text of whole rows: streamed, a long one goes to the sink as it is, after what came
    /// before, instead of being copied first.
    fn write_whole(&mut self, text: &str) {
        if self.sink.is_some() && text.len() >= CHUNK {
            self.send();
            write_to(&mut self.sink, &mut self.failed, text);
        } else {
            self.push_str(text);
            self.boundary();
        }
    }

    fn send(&mut self) {
        write_to(&mut self.sink, &mut self.failed, &self.text);
        self.text.clear();
    }

    /// The buffered text.
    pub fn into_text(self) -> String {
        self.text
    }

    /// Hands on the rest of a streamed text; the first write error, if any.
    pub fn finish(mut self) -> io::Result<()> {
        self.send();
        if let Some(e) = self.failed.take() {
            return Err(e);
        }
        match self.sink.as_mut() {
            Some(sink) => sink.flush(),
            None => Ok(()),
        }
    }
}

/// Writes `text` to `sink`, unless an earlier write failed; keeps the first error.
fn write_to(sink: &mut Option<&mut dyn Write>, failed: &mut Option<io::Error>, text: &str) {
    if let Some(sink) = sink
        && failed.is_none()
        && let Err(e) = sink.write_all(text.as_bytes())
    {
        *failed = Some(e);
    }
}

impl Deref for Out<'_> {
    type Target = String;

    fn deref(&self) -> &String {
        &self.text
    }
}

impl DerefMut for Out<'_> {
    fn deref_mut(&mut self) -> &mut String {
        &mut self.text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_in_chunks_at_boundaries() {
        let mut sink: Vec<u8> = Vec::new();
        let mut out = Out::streaming(&mut sink);
        let line = "x".repeat(1000) + "\n";
        for _ in 0..100 {
            out.push_str(&line);
            out.boundary();
            assert!(out.len() < CHUNK + line.len());
        }
        out.finish().unwrap();
        assert_eq!(sink.len(), 100 * line.len());
    }

    #[test]
    fn whole_rows_keep_their_place_in_the_stream() {
        let mut sink: Vec<u8> = Vec::new();
        let mut out = Out::streaming(&mut sink);
        let long = "r\n".repeat(CHUNK);
        out.push('[');
        out.write_whole(&long);
        out.write_whole("short\n");
        out.write_whole(&long);
        out.push(']');
        out.finish().unwrap();
        assert_eq!(String::from_utf8(sink).unwrap(), format!("[{long}short\n{long}]"));
        let mut kept = Out::buffer();
        kept.write_whole(&long);
        assert_eq!(kept.into_text(), long);
    }

    #[test]
    fn keeps_the_first_write_error() {
        struct Broken;
        impl Write for Broken {
            fn write(&mut self, _: &[u8]) -> io::Result<usize> {
                Err(io::Error::from(io::ErrorKind::BrokenPipe))
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let mut broken = Broken;
        let mut out = Out::streaming(&mut broken);
        out.push_str(&"y".repeat(CHUNK));
        out.boundary();
        out.push_str("more");
        assert_eq!(out.finish().unwrap_err().kind(), io::ErrorKind::BrokenPipe);
    }
}
