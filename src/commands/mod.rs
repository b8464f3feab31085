//! One file per az command. A command takes its arguments and a context, talks to the
//! registry and returns the value az would print (`None`: nothing).

pub mod delete;
pub mod list;
pub mod list_deleted;
pub mod list_metadata;
pub mod purge;
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
use crate::registry::{
    Connection, Credentials, Item, Registry, RegistryError, Repository, TokenCache, reference,
};
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
        Command::Purge { registry, options } => purge::run(ctx, registry, options).await,
    }
}

/// A registry name after az's validator (and its warning).
fn registry_name(ctx: &Context, args: &RegistryArgs) -> Result<String, AppError> {
    let raw = args.name.clone().or_else(|| ctx.config.default_registry()).unwrap_or_default();
    let validated = reference::validate_registry_name(&raw).map_err(AppError::Cli)?;
    if let Some(warning) = &validated.warning {
        ctx.ui.warn(warning);
    }
    Ok(validated.name)
}

/// The registry `args` name (az's validator first), signed in.
pub async fn open(ctx: &Context, args: &RegistryArgs) -> Result<Registry, AppError> {
    let name = registry_name(ctx, args)?;
    connect(ctx, args, &name).await
}

/// Credentials as az gathers them, then the first request to the registry. With the token
/// cache warm for these credentials (see `registry::token_cache`), the probe is skipped.
async fn connect(ctx: &Context, args: &RegistryArgs, name: &str) -> Result<Registry, AppError> {
    if args.username.is_none() && args.password.is_some() {
        return Err(AppError::Cli("Please also specify username if password is specified.".into()));
    }
    let login_server = reference::login_server(name, args.suffix.as_deref());
    let unreachable_warning = {
        let (ui, login_server) = (ctx.ui.clone(), login_server.clone());
        // az could not find the registry in ARM either, and says so first.
        move || {
            ui.warn(&format!(
                "{}\nUsing '{login_server}' as the default registry login server.",
                crate::config::AZ_LOGIN_MESSAGE
            ))
        }
    };
    let mut cache = TokenCache::open(ctx.config.dir(), &ctx.env);
    // Credentials known without asking: the warm start needs them before any request.
    let known = match (&args.username, &args.password) {
        (Some(username), Some(password)) => {
            Some(Credentials::Password { username: username.clone(), password: password.clone() })
        }
        _ => None,
    };
    // az's account, read (or asked of the real az) once.
    let account = (args.username.is_none() && args.password.is_none()).then(|| ctx.config.aad_token());
    let known = known.or_else(|| match &account {
        Some(Ok(token)) => Some(Credentials::Aad(Ok(token.clone()))),
        _ => None,
    });
    if let (Some(c), Some(credentials)) = (&cache, &known)
        && c.challenge(&login_server).is_some()
    {
        let identity = identity(c, credentials);
        crate::log::debug(format_args!("token cache: challenge for {login_server} cached; no probe"));
        let connection = Connection::unprobed(name, &login_server, &ctx.env)?;
        let cache = cache.take().map(|c| (c, identity));
        return Ok(connection.sign_in(known.expect("known"), cache, Box::new(unreachable_warning)));
    }
    let connection = match Connection::open(name, &login_server, &ctx.env).await {
        Err(e @ RegistryError::Unreachable { .. }) => {
            unreachable_warning();
            return Err(e.into());
        }
        other => other?,
    };
    let credentials = match (&args.username, &args.password) {
        (Some(_), Some(_)) => known.expect("known"),
        (Some(username), None) => {
            let password = crate::prompt::password(&ctx.ui)?;
            Credentials::Password { username: username.clone(), password }
        }
        _ => match account.unwrap_or_else(|| ctx.config.aad_token()) {
            Ok(token) if token.source.unavailable().is_none() || !ctx.ui.stdin_is_tty => {
                Credentials::Aad(Ok(token))
            }
            // Not signed in: at a terminal az asks who to sign in as, after saying why.
            result if ctx.ui.stdin_is_tty => {
                let reason = match result {
                    Ok(token) => token.source.unavailable().unwrap_or_default().to_string(),
                    Err(reason) => reason,
                };
                ctx.ui.warn(&format!("Unable to get AAD authorization tokens with message: {reason}"));
                ctx.ui.warn(&format!(
                    "Unable to get admin user credentials with message: {}",
                    crate::config::AZ_LOGIN_MESSAGE
                ));
                let username = crate::prompt::line(&ctx.ui, "Username: ")?;
                let password = crate::prompt::password(&ctx.ui)?;
                Credentials::Password { username, password }
            }
            Ok(token) => Credentials::Aad(Ok(token)),
            Err(reason) => Credentials::Aad(Err(reason)),
        },
    };
    let cache = cache.map(|c| {
        let identity = identity(&c, &credentials);
        (c, identity)
    });
    Ok(connection.sign_in(credentials, cache, Box::new(unreachable_warning)))
}

/// The credentials' identity in the token cache.
fn identity(cache: &TokenCache, credentials: &Credentials) -> String {
    match credentials {
        Credentials::Password { username, password } => cache.password_identity(username, password),
        Credentials::Aad(Ok(account)) => {
            let parts: Vec<&str> = account.identity.iter().map(String::as_str).collect();
            cache.account_identity(&parts)
        }
        // Nobody: nothing is cached for it (no token is ever issued).
        Credentials::Aad(Err(_)) => cache.account_identity(&["none"]),
    }
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
