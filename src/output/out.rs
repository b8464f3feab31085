//! The text a writer produces. Written to a stream, it is handed on in chunks as it grows,
//! so a large listing is never held whole: fresh memory costs a page fault per 4 KiB, which
//! dominated rendering long outputs into one string.

use std::io::{self, Write};
use std::ops::{Deref, DerefMut};

use super::data::Value;

/// How much text gathers before it is handed on.
const CHUNK: usize = 64 * 1024;

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
    /// on between values.
    pub fn write_values<'v, 'a>(
        &mut self,
        values: &'v [Value<'a>],
        mut write_value: impl FnMut(usize, &'v Value<'a>, &mut Out),
    ) {
        for (i, value) in values.iter().enumerate() {
            write_value(i, value, self);
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
