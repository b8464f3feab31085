//! az's `(y/n)` confirmation: the question on stdout, a line read from stdin, asked again
//! until the answer is y or n.

use std::io::BufRead;

use crate::error::AppError;
use crate::ui::Ui;

pub fn confirm(ui: &Ui, question: &str) -> Result<(), AppError> {
    if !ui.stdin_is_tty {
        return Err(AppError::Cli(
            "Unable to prompt for confirmation as no tty available. Use --yes.".into(),
        ));
    }
    let stdin = std::io::stdin();
    loop {
        ui.print(&format!("{question} (y/n): ")).map_err(AppError::Output)?;
        let mut answer = String::new();
        if stdin.lock().read_line(&mut answer).map_err(AppError::Output)? == 0 {
            // EOF at a TTY: Python's input() raises EOFError, which az reports as an interruption.
            return Err(AppError::Interrupted);
        }
        match answer.trim_end_matches(['\n', '\r']) {
            "y" | "Y" => return Ok(()),
            "n" | "N" => return Err(AppError::Cli("Operation cancelled.".into())),
            _ => {}
        }
    }
}

/// az's `Password: ` prompt (getpass: on the terminal, without echo) for `-u` without `-p`.
pub fn password(ui: &Ui) -> Result<String, AppError> {
    if !ui.stdin_is_tty {
        return Err(AppError::Cli(
            "Please specify both username and password in non-interactive mode.".into(),
        ));
    }
    rpassword::prompt_password("Password: ").map_err(|_| AppError::Interrupted)
}

/// az's `Username: ` question, asked on a blocking thread: the runtime's Ctrl-C handler
/// restarts an interrupted read on its own thread, so the answer is awaited where Ctrl-C can
/// end the wait.
pub async fn username(ui: &Ui) -> Result<String, AppError> {
    let ui = ui.clone();
    tokio::task::spawn_blocking(move || line(&ui, "Username: ")).await.map_err(|_| AppError::Interrupted)?
}

/// az's `input(question)`: the question on stdout, one line from stdin.
pub fn line(ui: &Ui, question: &str) -> Result<String, AppError> {
    ui.print(question).map_err(AppError::Output)?;
    let mut answer = String::new();
    if std::io::stdin().lock().read_line(&mut answer).map_err(AppError::Output)? == 0 {
        return Err(AppError::Interrupted);
    }
    Ok(answer.trim_end_matches(['\n', '\r']).to_string())
}
