//! One file per az command. A command takes its arguments and a context, talks to the
//! registry and returns the value az would print (`None`: nothing).

pub mod delete;
pub mod list;
pub mod list_deleted;
pub mod list_metadata;
pub mod show;
pub mod show_manifests;
pub mod show_tags;
pub mod untag;
pub mod update;

use crate::cli::{Cmd, CommandArgs, RegistryArgs};
use crate::config::Config;
use crate::error::AppError;
use crate::output::Data;
use crate::registry::reference::parse_image;
use crate::registry::{Connection, Credentials, Item, Registry, RegistryError, Repository, reference};
use crate::ui::Ui;

pub struct Context {
    pub ui: Ui,
    pub config: Config,
}

pub type CommandResult = Result<Option<Data>, AppError>;

pub async fn run(ctx: &Context, args: &CommandArgs) -> CommandResult {
    match args.cmd {
        Cmd::List => list::run(ctx, args).await,
        Cmd::Show => show::run(ctx, args).await,
        Cmd::ShowTags => show_tags::run(ctx, args).await,
        Cmd::ShowManifests => show_manifests::run(ctx, args).await,
        Cmd::Update => update::run(ctx, args).await,
        Cmd::Delete => delete::run(ctx, args).await,
        Cmd::Untag => untag::run(ctx, args).await,
        Cmd::ListMetadata => list_metadata::run(ctx, args).await,
        Cmd::ListDeleted => list_deleted::run(ctx, args).await,
    }
}

/// Whether the command lists what a registry holds (its result can be long).
pub fn lists(cmd: Cmd) -> bool {
    matches!(cmd, Cmd::List | Cmd::ShowTags | Cmd::ShowManifests | Cmd::ListMetadata | Cmd::ListDeleted)
}

/// The deprecation warning az prints before running a command.
pub fn deprecation(cmd: Cmd) -> Option<&'static str> {
    (cmd == Cmd::ShowManifests).then_some(show_manifests::DEPRECATION)
}

/// The preview warning az prints before running a command.
pub fn preview(cmd: Cmd) -> Option<&'static str> {
    match cmd {
        Cmd::ListMetadata => Some(list_metadata::PREVIEW),
        Cmd::ListDeleted => Some(list_deleted::PREVIEW),
        _ => None,
    }
}

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
    if args.username.is_none() && args.password.is_some() {
        return Err(AppError::Cli("Please also specify username if password is specified.".into()));
    }
    let login_server = reference::login_server(name, args.suffix.as_deref());
    let connection = match Connection::open(name, &login_server).await {
        Err(e @ RegistryError::Unreachable { .. }) => {
            // az could not find the registry in ARM either, and says so first.
            ctx.ui.warn(&format!(
                "{}\nUsing '{login_server}' as the default registry login server.",
                crate::config::AZ_LOGIN_MESSAGE
            ));
            return Err(e.into());
        }
        other => other?,
    };
    let credentials = match (&args.username, &args.password) {
        (Some(username), Some(password)) => {
            Credentials::Password { username: username.clone(), password: password.clone() }
        }
        (Some(username), None) => {
            let password = crate::prompt::password(&ctx.ui)?;
            Credentials::Password { username: username.clone(), password }
        }
        _ => match ctx.config.aad_token() {
            Ok(token) => Credentials::Aad(Ok(token)),
            // Not signed in: at a terminal az asks who to sign in as, after saying why.
            Err(reason) if ctx.ui.stdin_is_tty => {
                ctx.ui.warn(&format!("Unable to get AAD authorization tokens with message: {reason}"));
                ctx.ui.warn(&format!(
                    "Unable to get admin user credentials with message: {}",
                    crate::config::AZ_LOGIN_MESSAGE
                ));
                let username = crate::prompt::line(&ctx.ui, "Username: ")?;
                let password = crate::prompt::password(&ctx.ui)?;
                Credentials::Password { username, password }
            }
            Err(reason) => Credentials::Aad(Err(reason)),
        },
    };
    Ok(connection.sign_in(credentials))
}

pub const EXCLUSIVE_USAGE: &str =
    "Usage error: You need to provide either --image IMAGE | --repository REPOSITORY, but not both";

/// What `show`, `update` and `delete` act on: exactly one of `--repository` / `--image` (an
/// empty value counts as absent), parsed as az parses it and checked for requests before any
/// request is made.
pub fn target(args: &CommandArgs) -> Result<Item, AppError> {
    let given = |v: &Option<String>| v.clone().filter(|s| !s.is_empty());
    match (given(&args.repository), given(&args.image)) {
        (Some(repo), None) => Ok(Item::Repository(Repository::new(&repo)?)),
        (None, Some(image)) => Ok(parse_image(&image, true).map_err(|m| AppError::Cli(m.into()))?.item()?),
        _ => Err(AppError::Cli(EXCLUSIVE_USAGE.into())),
    }
}
