//! `--debug`: azacr's own trace of what it sends, on stderr. Request lines only: never a
//! header or a body, so no password or token can reach the log.

use std::sync::atomic::{AtomicBool, Ordering};

static DEBUG: AtomicBool = AtomicBool::new(false);

pub fn enable_debug() {
    DEBUG.store(true, Ordering::Relaxed);
}

pub fn debug(message: std::fmt::Arguments) {
    if DEBUG.load(Ordering::Relaxed) {
        eprintln!("DEBUG: azacr: {message}");
    }
}
