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

use crate::cli::RegistryArgs;
use crate::config::Config;
use crate::env::Env;
use crate::error::AppError;
use crate::output::Data;
use crate::registry::reference::parse_image;
use crate::registry::{Connection, Credentials, Item, Registry, RegistryError, Repository, reference};
use crate::settings::{Command, Target};
use crate::ui::Ui;

pub struct Context {
    pub ui: Ui,
    pub config: Config,
    pub env: Env,
}

pub type CommandResult = Result<Option<Data>, AppError>;

pub async fn run(ctx: &Context, command: &Command) -> CommandResult {
    match command {
        Command::List { registry, top } => list::run(ctx, registry, *top).await,
        Command::ListDeleted { registry } => list_deleted::run(ctx, registry).await,
        Command::Show { registry, target } => show::run(ctx, registry, target).await,
        Command::ShowTags { registry, repository, page, detail } => {
            show_tags::run(ctx, registry, repository, *page, *detail).await
        }
        Command::ShowManifests { registry, repository, page, detail } => {
            show_manifests::run(ctx, registry, repository, *page, *detail).await
        }
        Command::Update { registry, target, attributes } => {
            update::run(ctx, registry, target, attributes).await
        }
        Command::Delete { registry, target, yes } => delete::run(ctx, registry, target, *yes).await,
        Command::Untag { registry, image } => untag::run(ctx, registry, image).await,
        Command::ListMetadata { registry, repo_id, repository, page } => {
            list_metadata::run(ctx, registry, repo_id.as_deref(), repository.as_deref(), *page).await
        }
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
    let connection = match Connection::open(name, &login_server, &ctx.env).await {
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
pub fn target(target: &Target) -> Result<Item, AppError> {
    let given = |v: &Option<String>| v.clone().filter(|s| !s.is_empty());
    match (given(&target.repository), given(&target.image)) {
        (Some(repo), None) => Ok(Item::Repository(Repository::new(&repo)?)),
        (None, Some(image)) => Ok(parse_image(&image, true).map_err(|m| AppError::Cli(m.into()))?.item()?),
        _ => Err(AppError::Cli(EXCLUSIVE_USAGE.into())),
    }
}
