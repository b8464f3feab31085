//! The run's streams, as a value (the process's, or a test's buffers): results on stdout,
//! warnings and errors on stderr in az's style.

use std::io::{IsTerminal, Write};
use std::sync::{Arc, Mutex, MutexGuard};

type Stream = Arc<Mutex<dyn Write + Send>>;
/// What an in-process run wrote to one of its streams.
pub type Captured = Arc<Mutex<Vec<u8>>>;

/// What a run writes to, and what it knows about its terminal.
pub struct Io {
    pub stdout: Stream,
    pub stderr: Stream,
    pub stdin_is_tty: bool,
    pub stdout_is_tty: bool,
    pub stderr_is_tty: bool,
}

impl Io {
    /// The process's standard streams.
    pub fn process() -> Io {
        Io {
            stdout: Arc::new(Mutex::new(std::io::stdout())),
            stderr: Arc::new(Mutex::new(std::io::stderr())),
            stdin_is_tty: std::io::stdin().is_terminal(),
            stdout_is_tty: std::io::stdout().is_terminal(),
            stderr_is_tty: std::io::stderr().is_terminal(),
        }
    }

    /// Buffers for stdout and stderr, and no terminal (for running azacr in-process).
    pub fn captured() -> (Io, Captured, Captured) {
        let (out, err): (Captured, Captured) = (Arc::default(), Arc::default());
        let io = Io {
            stdout: out.clone(),
            stderr: err.clone(),
            stdin_is_tty: false,
            stdout_is_tty: false,
            stderr_is_tty: false,
        };
        (io, out, err)
    }
}

#[derive(Clone)]
pub struct Ui {
    stdout: Stream,
    stderr: Stream,
    pub only_show_errors: bool,
    /// az colours its messages (and drops the level prefix) when stdout and stderr are TTYs.
    pub color: bool,
    pub stdin_is_tty: bool,
    /// For progress bars (azacr's own commands only: az prints none).
    pub stderr_is_tty: bool,
    /// `--verbose` or `--debug`: az's `INFO:` lines of what it attempts are printed.
    pub verbose: bool,
}

impl std::fmt::Debug for Ui {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ui").field("color", &self.color).field("stdin_is_tty", &self.stdin_is_tty).finish()
    }
}

/// A poisoned stream is still a stream: a panic elsewhere must not silence the error report.
fn lock(stream: &Stream) -> MutexGuard<'_, dyn Write + Send + 'static> {
    stream.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Ui {
    pub fn new(io: &Io, no_color: bool) -> Ui {
        Ui {
            stdout: io.stdout.clone(),
            stderr: io.stderr.clone(),
            only_show_errors: false,
            color: !no_color && io.stdout_is_tty && io.stderr_is_tty,
            stdin_is_tty: io.stdin_is_tty,
            stderr_is_tty: io.stderr_is_tty,
            verbose: false,
        }
    }

    /// Text on stderr as it is (a progress bar's `\r` redraws), flushed.
    pub fn stderr_raw(&self, text: &str) {
        let mut err = lock(&self.stderr);
        let _ = err.write_all(text.as_bytes());
        let _ = err.flush();
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
        let _ = writeln!(lock(&self.stderr), "INFO: {message}");
    }

    /// An `INFO:` line az prints only with `--verbose` (or `--debug`).
    pub fn verbose_info(&self, message: &str) {
        if self.verbose {
            self.info(message);
        }
    }

    pub fn error(&self, message: &str) {
        self.stderr_line("ERROR: ", "\x1b[91m", message);
    }

    /// A line without a level prefix (az's recommendations after an error).
    pub fn note(&self, message: &str) {
        let _ = writeln!(lock(&self.stderr), "{message}");
    }

    fn stderr_line(&self, prefix: &str, color: &str, message: &str) {
        let mut err = lock(&self.stderr);
        let _ = if self.color {
            writeln!(err, "{color}{message}\x1b[0m")
        } else {
            writeln!(err, "{prefix}{message}")
        };
        let _ = err.flush();
    }

    pub fn print(&self, text: &str) -> std::io::Result<()> {
        let mut out = lock(&self.stdout);
        out.write_all(text.as_bytes())?;
        out.flush()
    }

    /// Stdout, for output written as it is produced.
    pub fn print_with(
        &self,
        write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
    ) -> std::io::Result<()> {
        let mut out = lock(&self.stdout);
        write(&mut *out)?;
        out.flush()
    }
}
