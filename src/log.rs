//! `--debug`: azacr's own trace of what it sends, on the run's stderr. Request lines only:
//! never a header or a body, so no password or token can reach the log.

use std::cell::RefCell;

use crate::ui::Ui;

thread_local! {
    /// Where this thread's run traces to, while `--debug` is on. A run's requests are made on
    /// the thread that called it (a current-thread runtime), so runs side by side (in-process
    /// tests) each keep their own trace.
    static TRACE: RefCell<Option<Ui>> = const { RefCell::new(None) };
}

/// Traces this thread's requests to `ui`'s stderr until the guard is dropped.
pub fn trace_to(ui: &Ui) -> Tracing {
    TRACE.with(|t| *t.borrow_mut() = Some(ui.clone()));
    Tracing
}

pub struct Tracing;

impl Drop for Tracing {
    fn drop(&mut self) {
        TRACE.with(|t| *t.borrow_mut() = None);
    }
}

pub fn debug(message: std::fmt::Arguments) {
    TRACE.with(|t| {
        if let Some(ui) = t.borrow().as_ref() {
            ui.note(&format!("DEBUG: azacr: {message}"));
        }
    });
}
