//! One file per az command. A command takes its arguments and a context, talks to the
//! registry and returns the value az would print (`None`: nothing).

pub mod delete;
pub mod show_manifests;

use crate::cli::RegistryArgs;
use crate::config::Config;
use crate::error::AppError;
use crate::output::Data;
use crate::registry::{Credentials, Registry, RegistryError, reference};
use crate::ui::Ui;

pub struct Context {
    pub ui: Ui,
    pub config: Config,
}

pub type CommandResult = Result<Option<Data>, AppError>;

/// A registry name after az's validator (and its warning).
pub fn registry_name(ctx: &Context, args: &RegistryArgs) -> Result<String, AppError> {
    let raw = args.name.clone().or_else(|| ctx.config.default_registry()).unwrap_or_default();
    let validated = reference::validate_registry_name(&raw).map_err(AppError::Cli)?;
    if let Some(warning) = &validated.warning {
        ctx.ui.warn(warning);
    }
    Ok(validated.name)
}

/// Credentials as az gathers them, then the first request to the registry.
pub async fn connect(ctx: &Context, args: &RegistryArgs, name: &str) -> Result<Registry, AppError> {
    let credentials = match (&args.username, &args.password) {
        (None, Some(_)) => {
            return Err(AppError::Cli("Please also specify username if password is specified.".into()));
        }
        (Some(username), Some(password)) => {
            Credentials::Password { username: username.clone(), password: password.clone() }
        }
        (Some(_), None) => {
            return Err(AppError::Cli(
                "Please specify both username and password in non-interactive mode.".into(),
            ));
        }
        (None, None) => Credentials::Aad(ctx.config.aad_token()),
    };
    let login_server = reference::login_server(name, args.suffix.as_deref());
    match Registry::connect(name, &login_server, credentials).await {
        Err(e @ RegistryError::Unreachable { .. }) => {
            // az could not find the registry in ARM either, and says so first.
            ctx.ui.warn(&format!(
                "{}\nUsing '{login_server}' as the default registry login server.",
                crate::config::AZ_LOGIN_MESSAGE
            ));
            Err(e.into())
        }
        other => Ok(other?),
    }
}
