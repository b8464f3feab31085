//! The process's streams: results on stdout, warnings and errors on stderr in az's style.

use std::io::{IsTerminal, Write};

#[derive(Clone, Debug)]
pub struct Ui {
    pub only_show_errors: bool,
    /// az colours its messages (and drops the level prefix) when stdout and stderr are TTYs.
    pub color: bool,
    pub stdin_is_tty: bool,
}

impl Ui {
    pub fn new(no_color: bool) -> Ui {
        Ui {
            only_show_errors: false,
            color: !no_color && std::io::stdout().is_terminal() && std::io::stderr().is_terminal(),
            stdin_is_tty: std::io::stdin().is_terminal(),
        }
    }

    pub fn warn(&self, message: &str) {
        if !self.only_show_errors {
            self.stderr_line("WARNING: ", "\x1b[93m", message);
        }
    }

    /// az's deprecation banner, which is yellow rather than bright yellow in colour mode.
    pub fn deprecation(&self, message: &str) {
        if !self.only_show_errors {
            self.stderr_line("WARNING: ", "\x1b[33m", message);
        }
    }

    /// az's preview banner, cyan in colour mode.
    pub fn preview(&self, message: &str) {
        if !self.only_show_errors {
            self.stderr_line("WARNING: ", "\x1b[36m", message);
        }
    }

    /// az's `INFO:` lines (`--verbose`).
    pub fn info(&self, message: &str) {
        let mut err = std::io::stderr().lock();
        let _ = writeln!(err, "INFO: {message}");
    }

    pub fn error(&self, message: &str) {
        self.stderr_line("ERROR: ", "\x1b[91m", message);
    }

    /// A line without a level prefix (az's recommendations after an error).
    pub fn note(&self, message: &str) {
        let mut err = std::io::stderr().lock();
        let _ = writeln!(err, "{message}");
    }

    fn stderr_line(&self, prefix: &str, color: &str, message: &str) {
        let mut err = std::io::stderr().lock();
        let _ = if self.color {
            writeln!(err, "{color}{message}\x1b[0m")
        } else {
            writeln!(err, "{prefix}{message}")
        };
    }

    pub fn print(&self, text: &str) -> std::io::Result<()> {
        let mut out = std::io::stdout().lock();
        out.write_all(text.as_bytes())?;
        out.flush()
    }

    /// Stdout, for output written as it is produced.
    pub fn print_with(
        &self,
        write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
    ) -> std::io::Result<()> {
        write(&mut std::io::stdout().lock())
    }
}
