//! The application error: every failure becomes az's text on stderr and az's exit code here.

use crate::config::AZ_LOGIN_MESSAGE;
use crate::output::query::{QueryError, describe};
use crate::registry::RegistryError;
use crate::ui::Ui;

const QUERY_HELP: &str =
    "To learn more about --query, please visit: 'https://learn.microsoft.com/cli/azure/query-azure-cli'";

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// An argparse-style error (exit 2), with the lines az prints after it.
    #[error("{message}")]
    Usage { message: String, after: Vec<String> },
    /// A CLIError (exit 1).
    #[error("{0}")]
    Cli(String),
    #[error(transparent)]
    Registry(#[from] RegistryError),
    /// Neither AAD nor the admin user gave credentials: az's two warnings, then its error.
    #[error("{}", RegistryError::AadUnavailable(String::new()))]
    NoCredentials { reason: String, admin: String },
    /// A resource Resource Manager does not have (az's ResourceNotFoundError, exit 3).
    #[error("{0}")]
    ResourceNotFound(String),
    /// A registry 404 in a show command (exit 3).
    #[error("{0}")]
    ShowNotFound(RegistryError),
    #[error("{}", describe(.0))]
    Query(QueryError),
    /// Ctrl-C or end of input at a prompt: exit 1, nothing printed.
    #[error("interrupted")]
    Interrupted,
    /// Already written to stderr in its own form: exit 1, nothing more printed.
    #[error("reported")]
    AlreadyReported,
    /// Writing the result failed (a closed pipe is not reported).
    #[error("{0}")]
    Output(std::io::Error),
}

impl AppError {
    pub fn usage(message: impl Into<String>) -> AppError {
        AppError::Usage { message: message.into(), after: Vec::new() }
    }

    pub fn exit_code(&self) -> u8 {
        match self {
            AppError::Usage { .. } => 2,
            AppError::ShowNotFound(_) | AppError::ResourceNotFound(_) => 3,
            _ => 1,
        }
    }

    /// Writes the error as az does.
    pub fn report(&self, ui: &Ui) {
        match self {
            AppError::Interrupted | AppError::AlreadyReported => {}
            AppError::Output(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
            AppError::Usage { message, after } => {
                ui.error(message);
                for line in after {
                    ui.note(line);
                }
            }
            AppError::Query(QueryError::Jmespath(_)) => {
                ui.error(&self.to_string());
                ui.note(QUERY_HELP);
            }
            AppError::Query(QueryError::Python(message))
            | AppError::Registry(RegistryError::Unexpected(message)) => {
                // az prints a Python traceback here; azacr keeps its first and last lines.
                ui.error("The command failed with an unexpected error. Here is the traceback:");
                ui.error(message);
                ui.note("To check existing issues, please visit: https://github.com/Azure/azure-cli/issues");
            }
            AppError::NoCredentials { reason, admin } => {
                ui.warn(&format!("Unable to get AAD authorization tokens with message: {reason}"));
                ui.warn(&format!("Unable to get admin user credentials with message: {admin}"));
                ui.error(&self.to_string());
            }
            AppError::Registry(RegistryError::AadUnavailable(reason)) => {
                ui.warn(&format!("Unable to get AAD authorization tokens with message: {reason}"));
                ui.warn(&format!("Unable to get admin user credentials with message: {AZ_LOGIN_MESSAGE}"));
                ui.error(&self.to_string());
            }
            other => ui.error(&other.to_string()),
        }
    }
}
