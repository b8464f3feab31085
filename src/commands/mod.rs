//! One file per az command. A command takes its arguments and a context, talks to the
//! registry and returns the value az would print (`None`: nothing).

pub mod delete;
pub mod list;
pub mod list_deleted;
pub mod list_metadata;
pub mod list_referrers;
pub mod manifest_delete;
pub mod manifest_list;
pub mod manifest_list_deleted;
pub mod manifest_list_deleted_tags;
pub mod manifest_show;
pub mod purge;
pub mod restore;
pub mod show;
pub mod show_manifests;
pub mod show_metadata;
pub mod show_tags;
pub mod untag;
pub mod update;
pub mod update_metadata;

use crate::cli::RegistryArgs;
use crate::cloud::Cloud;
use crate::config::Config;
use crate::env::Env;
use crate::error::AppError;
use crate::output::Data;
use crate::registry::reference::{FqdnKind, ImageName, parse_image};
use crate::registry::{
    Connection, Credentials, Item, Reference, Registry, RegistryError, Repository, TokenCache, arm, reference,
};
use crate::settings::{Command, Spec, Target};
use crate::ui::Ui;

pub struct Context {
    pub ui: Ui,
    pub config: Config,
    pub env: Env,
    /// What az says of the admin user's credentials when AAD fails: why the registry was not
    /// found (or nobody is signed in), or, for a registry Resource Manager has, that its admin
    /// user is disabled. Set when the registry is opened.
    pub admin_message: std::cell::RefCell<Option<String>>,
    /// The Resource Manager client and token, once got (az's MSAL keeps it for the run).
    arm_session: std::cell::RefCell<Option<ArmSession>>,
}

impl Context {
    pub fn new(ui: Ui, config: Config, env: Env) -> Context {
        Context { ui, config, env, admin_message: Default::default(), arm_session: Default::default() }
    }
}

/// A client for Resource Manager and the account's token for it.
#[derive(Clone)]
struct ArmSession {
    client: reqwest::Client,
    token: String,
}

/// az's words when a registry Resource Manager has cannot be signed in to with AAD: it then
/// tries the admin user, which is disabled (as Resource Manager says of most registries).
const ADMIN_DISABLED: &str = "Admin user is disabled.";

/// az's `--verbose` lines as it signs in without `-u/-p`: AAD first, then the admin user.
const AAD_ATTEMPT: &str = "Attempting to retrieve AAD refresh token...";
const ADMIN_ATTEMPT: &str = "Attempting with admin credentials...";

pub type CommandResult = Result<Option<Data>, AppError>;

pub async fn run(ctx: &Context, command: &Command) -> CommandResult {
    run_command(ctx, command).await.map_err(|e| match (e, ctx.admin_message.borrow().clone()) {
        (AppError::Registry(RegistryError::AadUnavailable(reason)), Some(admin)) => {
            AppError::NoCredentials { reason, admin }
        }
        (AppError::Registry(RegistryError::Interrupted), _) => AppError::Interrupted,
        // Resource Manager's 404 for the admin user's credentials: az's ResourceNotFoundError.
        (AppError::Registry(RegistryError::ResourceManager { text, not_found: true }), _) => {
            AppError::ResourceNotFound(text)
        }
        (e, _) => e,
    })
}

async fn run_command(ctx: &Context, command: &Command) -> CommandResult {
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
        Command::ListMetadata { registry, repo_id, repository, page, .. } => {
            let spec = Spec { id: repo_id.clone(), name: repository.clone() };
            list_metadata::run(ctx, registry, &spec, *page).await
        }
        Command::ShowMetadata { registry, spec, .. } => show_metadata::run(ctx, registry, spec).await,
        Command::UpdateMetadata { registry, spec, attributes, .. } => {
            update_metadata::run(ctx, registry, spec, attributes).await
        }
        Command::ManifestDelete { registry, spec, yes } => {
            manifest_delete::run(ctx, registry, spec, *yes).await
        }
        Command::ManifestList { registry, spec, page } => {
            manifest_list::run(ctx, registry, spec, *page).await
        }
        Command::ManifestShow { registry, spec, raw } => manifest_show::run(ctx, registry, spec, *raw).await,
        Command::ListReferrers { registry, spec, artifact_type, recursive } => {
            list_referrers::run(ctx, registry, spec, artifact_type.as_deref(), *recursive).await
        }
        Command::Restore { registry, spec, digest, force, yes } => {
            restore::run(ctx, registry, spec, digest.as_deref(), *force, *yes).await
        }
        Command::ManifestListDeleted { registry, spec } => {
            manifest_list_deleted::run(ctx, registry, spec).await
        }
        Command::ListDeletedTags { registry, spec } => {
            manifest_list_deleted_tags::run(ctx, registry, spec).await
        }
        Command::Purge { registry, options } => purge::run(ctx, registry, options).await,
    }
}

/// az's errors for a service principal's certificate file it cannot use, before any request:
/// one it cannot open ends as an unexpected error (az opens it outside its error handling),
/// one that is no PEM as its CLIError.
fn unreadable_certificate(source: &crate::registry::entra::EntraSource) -> Result<(), AppError> {
    use crate::registry::entra::EntraSource;
    match source {
        EntraSource::Crashes(message) => Err(AppError::Registry(RegistryError::Unexpected(message.clone()))),
        EntraSource::Invalid(message) => Err(AppError::Cli(message.clone())),
        _ => Ok(()),
    }
}

/// A registry name after az's validator (and its warning).
fn registry_name(ctx: &Context, args: &RegistryArgs) -> Result<String, AppError> {
    let raw = args.name.clone().or_else(|| ctx.config.default_registry()).unwrap_or_default();
    let cloud_suffix = Cloud::current(&ctx.config).acr_suffix;
    let validated = reference::validate_registry_name(&raw, &cloud_suffix).map_err(AppError::Cli)?;
    if let Some(warning) = &validated.warning {
        ctx.ui.warn(warning);
    }
    Ok(validated.name)
}

/// The registry `args` name (az's validator first), signed in.
pub async fn open(ctx: &Context, args: &RegistryArgs) -> Result<Registry, AppError> {
    let name = registry_name(ctx, args)?;
    connect(ctx, args, &name, None).await
}

/// Finds credentials kept per login server (a docker config): `(username, password)`.
pub type CredentialsFor<'a> = &'a dyn Fn(&str) -> Result<Option<(String, String)>, AppError>;

/// As `open`, and without `-u/-p`, the credentials `credentials_for` finds for the login
/// server actually resolved (Resource Manager's may not be `<name>.azurecr.io`).
pub async fn open_with(
    ctx: &Context,
    args: &RegistryArgs,
    credentials_for: CredentialsFor<'_>,
) -> Result<Registry, AppError> {
    let name = registry_name(ctx, args)?;
    connect(ctx, args, &name, Some(credentials_for)).await
}

/// Credentials as az gathers them, then the first request to the registry. With the token
/// cache warm for these credentials (see `registry::token_cache`), the probe is skipped.
async fn connect(
    ctx: &Context,
    args: &RegistryArgs,
    name: &str,
    credentials_for: Option<CredentialsFor<'_>>,
) -> Result<Registry, AppError> {
    if args.username.is_none() && args.password.is_some() {
        return Err(AppError::Cli("Please also specify username if password is specified.".into()));
    }
    // The account az would use; a `--subscription` the profile does not have stops here.
    let profile = ctx.config.account().map_err(AppError::Cli)?;
    let mut cache = TokenCache::open(ctx.config.dir(), &ctx.env);
    let resolved =
        resolve_login_server(ctx, profile.as_ref(), name, args.suffix.as_deref(), cache.as_mut()).await?;
    let login_server = resolved.login_server.clone();
    let found;
    let args = match credentials_for {
        Some(lookup) if args.username.is_none() && args.password.is_none() => match lookup(&login_server)? {
            Some((username, password)) => {
                found = RegistryArgs {
                    name: args.name.clone(),
                    suffix: args.suffix.clone(),
                    username: Some(username),
                    password: Some(password),
                    resource_group_given: args.resource_group_given,
                };
                &found
            }
            None => args,
        },
        _ => args,
    };
    let admin_message = resolved.fallback_reason.clone().unwrap_or_else(|| ADMIN_DISABLED.to_string());
    *ctx.admin_message.borrow_mut() = Some(admin_message.clone());
    let unreachable_warning = {
        let ui = ctx.ui.clone();
        let (login_server, lookup) = (login_server.clone(), resolved.fallback_reason.clone());
        // az could not find the registry in ARM either, and says so first.
        move || {
            if let Some(reason) = &lookup {
                ui.warn(&format!("{reason}\nUsing '{login_server}' as the default registry login server."))
            }
        }
    };
    // Credentials known without asking: the warm start needs them before any request.
    let known = match (&args.username, &args.password) {
        (Some(username), Some(password)) => {
            Some(Credentials::Password { username: username.clone(), password: password.clone() })
        }
        _ => None,
    };
    // az's account, read (or asked of the real az) once.
    let account = (args.username.is_none() && args.password.is_none()).then(|| ctx.config.aad_token());
    if let Some(Ok(token)) = &account {
        // az reads a certificate on every call, even when its tokens are cached.
        unreadable_certificate(&token.source)?;
    }
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
        let fallback = admin_fallback(ctx, profile.as_ref(), name, &resolved, credentials);
        let aad = matches!(credentials, Credentials::Aad(_));
        let registry = connection.sign_in(known.expect("known"), cache, Box::new(unreachable_warning));
        let registry = registry.with_admin_fallback(fallback);
        if aad {
            // az says it after its probe, which the warm start skips: once the registry answers.
            let ui = ctx.ui.clone();
            return Ok(registry.on_first_answer(Box::new(move || ui.verbose_info(AAD_ATTEMPT))));
        }
        return Ok(registry);
    }
    let connection = match Connection::open(name, &login_server, &ctx.env).await {
        Err(e @ RegistryError::Unreachable { .. }) => {
            unreachable_warning();
            // A login server from the cache that no longer answers is asked for again next time.
            if let (Some(c), Some(key)) = (cache.as_mut(), &resolved.cache_key) {
                c.forget_login_server(key);
            }
            return Err(e.into());
        }
        other => other?,
    };
    if args.username.is_none() {
        ctx.ui.verbose_info(AAD_ATTEMPT);
    }
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
                ctx.ui.warn(&format!("Unable to get admin user credentials with message: {}", admin_message));
                let username = crate::prompt::username(&ctx.ui).await?;
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
    let fallback = admin_fallback(ctx, profile.as_ref(), name, &resolved, &credentials);
    Ok(connection.sign_in(credentials, cache, Box::new(unreachable_warning)).with_admin_fallback(fallback))
}

/// az's step after AAD, for a registry Resource Manager has: its admin user. Enabled: az's
/// warning of why AAD failed, then the credentials `listCredentials` gives, sent as Basic on
/// every data call; disabled: az's two warnings and its error. What this run read of the
/// registry is taken as it is; what the token cache kept is looked up again before az's
/// "disabled" error and when `listCredentials` fails, so that a stale entry never decides.
/// `None`: nothing to fall back to (credentials other than AAD, or a login server that is
/// not Resource Manager's: az's not-found warning then comes with its error, see `run`).
fn admin_fallback(
    ctx: &Context,
    profile: Option<&crate::config::Account>,
    name: &str,
    resolved: &Resolved,
    credentials: &Credentials,
) -> Option<crate::registry::AdminFallback> {
    let (Credentials::Aad(_), Some(account)) = (credentials, profile) else { return None };
    let cloud = Cloud::current(&ctx.config);
    // The Resource Manager session of this run, else the account to make one for (only if
    // AAD fails: a warm call that signs in with AAD reads nothing more).
    let session = match ctx.arm_session.borrow().clone() {
        Some(session) => ArmAccess::Session(session),
        None => ArmAccess::Account(account.clone()),
    };
    let admin = AdminLookup {
        ui: ctx.ui.clone(),
        env: ctx.env.clone(),
        config_dir: ctx.config.dir().to_path_buf(),
        cache_key: resolved.cache_key.clone(),
        session,
        resource_manager: cloud.resource_manager,
        subscription_id: account.subscription_id.clone(),
        subscription_name: account.subscription_name.clone(),
        name: name.to_string(),
        login_server: resolved.login_server.clone(),
        facts: resolved.facts.clone(),
        not_in_arm: resolved.fallback_reason.clone(),
    };
    Some(Box::new(move |reason| Box::pin(admin.credentials(reason))))
}

/// Resource Manager for the admin user's fallback: this run's session, or the account to
/// sign in to it as.
enum ArmAccess {
    Session(ArmSession),
    Account(crate::config::Account),
}

/// What the admin user's fallback needs, owned (it runs inside the registry's sign-in).
struct AdminLookup {
    ui: Ui,
    env: Env,
    /// Where the token cache is, and the registry's entry in it (updated after a lookup).
    config_dir: std::path::PathBuf,
    cache_key: Option<String>,
    session: ArmAccess,
    resource_manager: String,
    subscription_id: String,
    subscription_name: String,
    name: String,
    /// The login server this run talks to: the admin user's password goes nowhere else.
    login_server: String,
    facts: Option<RegistryFacts>,
    /// Why Resource Manager gave no registry (az's admin-user message then).
    not_in_arm: Option<String>,
}

impl AdminLookup {
    async fn credentials(mut self, reason: String) -> Result<Credentials, RegistryError> {
        let aad_warning = format!("Unable to get AAD authorization tokens with message: {reason}");
        if let Some(not_in_arm) = self.not_in_arm.take() {
            return self.no_admin(&aad_warning, &not_in_arm).await;
        }
        // Only what Resource Manager says now decides, as az looks the registry up on every
        // call: this run's lookup, else one now (the cache's entry may be a day old, and its
        // login server another registry's by now).
        let facts = match self.facts.take() {
            Some(f) => f,
            None => match self.facts_now().await? {
                Ok(f) => f,
                Err(not_found) => return self.no_admin(&aad_warning, &not_found).await,
            },
        };
        if !facts.admin_user_enabled {
            return self.no_admin(&aad_warning, ADMIN_DISABLED).await;
        }
        self.ui.warn(&aad_warning);
        self.ui.verbose_info(ADMIN_ATTEMPT);
        match self.list_credentials(&facts.resource_group).await? {
            Ok(admin) => Ok(Credentials::Admin { username: admin.username, password: admin.password }),
            Err(e) => Err(arm_registry_error(e)),
        }
    }

    /// No admin user: az's warnings, then, at a terminal, who to sign in as (az's prompts),
    /// else its error.
    async fn no_admin(&self, aad_warning: &str, admin: &str) -> Result<Credentials, RegistryError> {
        self.ui.warn(aad_warning);
        self.ui.warn(&format!("Unable to get admin user credentials with message: {admin}"));
        if !self.ui.stdin_is_tty {
            return Err(RegistryError::AdminUnavailable);
        }
        let asked = match crate::prompt::username(&self.ui).await {
            Ok(username) => {
                crate::prompt::password(&self.ui).map(|password| Credentials::Password { username, password })
            }
            Err(e) => Err(e),
        };
        asked.map_err(|e| match e {
            AppError::Interrupted => RegistryError::Interrupted,
            other => RegistryError::Setup(other.to_string()),
        })
    }

    fn subscription(&self) -> arm::Subscription<'_> {
        arm::Subscription { id: &self.subscription_id, name: &self.subscription_name }
    }

    /// The registry's document now: `Ok(Err(message))` when Resource Manager no longer has it.
    async fn facts_now(&mut self) -> Result<Result<RegistryFacts, String>, RegistryError> {
        let session = self.session().await?;
        let lookup = arm::find_registry(
            &session.client,
            &self.resource_manager,
            &self.subscription(),
            &session.token,
            &self.name,
        )
        .await;
        match lookup.map_err(arm_registry_error)? {
            arm::Lookup::Found(found) => {
                // The next call starts from what ARM said now.
                if let (Some(key), Some(mut cache)) =
                    (&self.cache_key, TokenCache::open(&self.config_dir, &self.env))
                {
                    cache.put_login_server(key, &found.login_server);
                }
                if !found.login_server.eq_ignore_ascii_case(&self.login_server) {
                    return Err(RegistryError::LoginServerMoved {
                        name: self.name.clone(),
                        was: self.login_server.clone(),
                        now: found.login_server.clone(),
                    });
                }
                Ok(Ok(RegistryFacts::of(&found)))
            }
            arm::Lookup::NotFound(message) => Ok(Err(message)),
        }
    }

    async fn list_credentials(
        &mut self,
        resource_group: &str,
    ) -> Result<Result<arm::AdminUser, arm::ArmError>, RegistryError> {
        let session = self.session().await?;
        Ok(arm::list_credentials(
            &session.client,
            &self.resource_manager,
            &self.subscription(),
            &session.token,
            resource_group,
            &self.name,
        )
        .await)
    }

    async fn session(&mut self) -> Result<ArmSession, RegistryError> {
        let session = match &self.session {
            ArmAccess::Session(session) => return Ok(session.clone()),
            ArmAccess::Account(account) => {
                // az's files as they are now (the run's own `Config` stays with the command).
                let config = crate::config::Config::load(&self.env);
                let source = config.arm_source(account);
                let failed = |text: String| RegistryError::ResourceManager { text, not_found: false };
                if let Some(reason) = source.unavailable() {
                    return Err(failed(reason.to_string()));
                }
                let scope = Cloud::current(&config).arm_scope();
                new_arm_session(&source, &self.env, &account.tenant, &scope)
                    .await
                    .map_err(|e| failed(e.to_string()))?
            }
        };
        self.session = ArmAccess::Session(session.clone());
        Ok(session)
    }
}

/// A failed Resource Manager request during the sign-in, as az reports it.
fn arm_registry_error(error: arm::ArmError) -> RegistryError {
    match error {
        arm::ArmError::Answer { status, text } => {
            RegistryError::ResourceManager { text, not_found: status == 404 }
        }
        arm::ArmError::Other(text) => RegistryError::ResourceManager { text, not_found: false },
    }
}

/// A registry's resource group and admin user's state, as Resource Manager gave them in this
/// run (never kept across runs: only what it says now may decide the admin user's fallback).
#[derive(Clone)]
struct RegistryFacts {
    resource_group: String,
    admin_user_enabled: bool,
}

impl RegistryFacts {
    fn of(found: &arm::Found) -> RegistryFacts {
        RegistryFacts {
            resource_group: found.resource_group.clone(),
            admin_user_enabled: found.admin_user_enabled,
        }
    }
}

/// The login server to use, and how it was found.
struct Resolved {
    login_server: String,
    /// Why it is `<name>.<suffix>` (az's message, printed when the registry does not answer);
    /// `None`: from Resource Manager.
    fallback_reason: Option<String>,
    /// Its entry in the cache (a login server from Resource Manager).
    cache_key: Option<String>,
    /// A registry Resource Manager has, looked up in this run (`None`: the login server came
    /// from the cache, or Resource Manager was not asked).
    facts: Option<RegistryFacts>,
}

/// The login server as az finds it: with an account, the registry's `loginServer` from
/// Resource Manager (cached per Resource Manager, subscription and name, so that it costs one
/// lookup); without one, or when ARM does not have the registry, `<name>[-<suffix>]<cloud
/// suffix>`. ARM's errors stop the command, as they stop az.
async fn resolve_login_server(
    ctx: &Context,
    account: Option<&crate::config::Account>,
    name: &str,
    suffix: Option<&str>,
    cache: Option<&mut TokenCache>,
) -> Result<Resolved, AppError> {
    let cloud = Cloud::current(&ctx.config);
    let fallback = |reason: String| Resolved {
        login_server: reference::login_server(name, suffix, &cloud.acr_suffix),
        fallback_reason: Some(reason),
        cache_key: None,
        facts: None,
    };
    let Some(account) = account else { return Ok(fallback(crate::config::AZ_LOGIN_MESSAGE.into())) };
    let found = |login_server: String, key: Option<String>, facts: Option<RegistryFacts>| {
        if let Some(suffix) = suffix.filter(|s| !s.is_empty()) {
            ctx.ui.warn(&format!(
                "Obtained registry login server '{login_server}' from service. The specified suffix '{suffix}' is ignored."
            ));
        }
        Resolved { login_server, fallback_reason: None, cache_key: key, facts }
    };
    let key = cache.as_ref().map(|c| c.registry_key(&cloud.resource_manager, &account.subscription_id, name));
    if let (Some(c), Some(k)) = (cache.as_ref(), &key)
        && let Some(login_server) = c.login_server(k)
    {
        return Ok(found(login_server, key, None));
    }
    let session = match arm_session(ctx, account).await? {
        Ok(session) => session,
        Err(reason) => {
            // az would stop here ("User … does not exist in MSAL token cache"): the files hold
            // no credential for ARM (only a registry token). azacr goes on as az does signed
            // out of ARM, with `<name>.<suffix>`, since the registry token may still serve.
            crate::log::debug(format_args!("Resource Manager: no token ({reason}); registry not looked up"));
            return Ok(fallback(crate::config::AZ_LOGIN_MESSAGE.into()));
        }
    };
    let subscription = arm::Subscription { id: &account.subscription_id, name: &account.subscription_name };
    match arm::find_registry(&session.client, &cloud.resource_manager, &subscription, &session.token, name)
        .await
    {
        Ok(arm::Lookup::Found(registry)) => {
            let login_server = registry.login_server.clone();
            crate::log::debug(format_args!("Resource Manager: {name} is {login_server}"));
            if let (Some(c), Some(k)) = (cache, &key) {
                c.put_login_server(k, &login_server);
            }
            Ok(found(login_server, key, Some(RegistryFacts::of(&registry))))
        }
        Ok(arm::Lookup::NotFound(message)) => Ok(fallback(message)),
        Err(e) => Err(arm_failure(e)),
    }
}

/// ARM's errors as az reports them.
fn arm_failure(error: arm::ArmError) -> AppError {
    match error {
        arm::ArmError::Answer { status: 404, text } => AppError::ResourceNotFound(text),
        arm::ArmError::Answer { text, .. } | arm::ArmError::Other(text) => AppError::Cli(text),
    }
}

/// A client and the account's token for Resource Manager, got once a run. `Ok(Err(reason))`:
/// the files hold no credential for ARM.
async fn arm_session(
    ctx: &Context,
    account: &crate::config::Account,
) -> Result<Result<ArmSession, String>, AppError> {
    if let Some(session) = ctx.arm_session.borrow().clone() {
        return Ok(Ok(session));
    }
    let cloud = Cloud::current(&ctx.config);
    let source = ctx.config.arm_source(account);
    unreadable_certificate(&source)?;
    if let Some(reason) = source.unavailable() {
        return Ok(Err(reason.to_string()));
    }
    let session = new_arm_session(&source, &ctx.env, &account.tenant, &cloud.arm_scope()).await?;
    *ctx.arm_session.borrow_mut() = Some(session.clone());
    Ok(Ok(session))
}

/// A client for Resource Manager and a token from `source`, or az's error.
async fn new_arm_session(
    source: &crate::registry::entra::EntraSource,
    env: &Env,
    tenant: &str,
    arm_scope: &str,
) -> Result<ArmSession, AppError> {
    // No login server yet: nothing for the test override to send elsewhere.
    let client = crate::registry::transport::build_client("", env)?;
    let token = source.access_token(&client).await.map_err(|no_token| {
        // Entra's words, then az's advice for a token it could not get for ARM.
        let message = no_token.into_text();
        let description = message.lines().next().unwrap_or("").to_string();
        AppError::Cli(format!(
            "{description}\nRun the command below to authenticate interactively; additional arguments may be added as needed:\naz logout\naz login --tenant \"{tenant}\" --scope \"{arm_scope}\""
        ))
    })?;
    Ok(ArmSession { client, token })
}

/// The registry's soft-delete retention days, from its document in Resource Manager (az reads
/// them there after the listing, signed in or not to the registry). `Ok(None)`: a policy
/// that gives no number.
pub async fn soft_delete_retention_days(ctx: &Context, name: &str) -> Result<Option<i64>, AppError> {
    let account = ctx
        .config
        .account()
        .map_err(AppError::Cli)?
        .ok_or_else(|| AppError::Cli(crate::config::AZ_LOGIN_MESSAGE.into()))?;
    // No credential for ARM in the files (only a registry token): as signed out of ARM, the
    // way the login server's lookup treats it.
    let session = arm_session(ctx, &account).await?.map_err(|reason| {
        crate::log::debug(format_args!("Resource Manager: no token ({reason})"));
        AppError::Cli(crate::config::AZ_LOGIN_MESSAGE.into())
    })?;
    let cloud = Cloud::current(&ctx.config);
    let subscription = arm::Subscription { id: &account.subscription_id, name: &account.subscription_name };
    let document =
        arm::registry(&session.client, &cloud.resource_manager, &subscription, &session.token, name)
            .await
            .map_err(arm_failure)?
            .ok_or_else(|| AppError::Cli(arm::not_found(&subscription, name)))?;
    arm::soft_delete_retention_days(&document).ok_or_else(|| {
        AppError::Cli(format!("Unable to retrieve soft-delete retention day policy for registry {name}"))
    })
}

/// The credentials' identity in the token cache.
fn identity(cache: &TokenCache, credentials: &Credentials) -> String {
    match credentials {
        // As `-u/-p`: a keyed hash, never the password (the admin user's Basic header is
        // never cached anyway).
        Credentials::Password { username, password } | Credentials::Admin { username, password } => {
            cache.password_identity(username, password)
        }
        Credentials::Aad(Ok(account)) => {
            let parts: Vec<&str> = account.identity.iter().map(String::as_str).collect();
            cache.account_identity(&parts)
        }
        // Nobody: nothing is cached for it (no token is ever issued).
        Credentials::Aad(Err(_)) => cache.account_identity(&["none"]),
    }
}

pub const NEED_REPOSITORY: &str = "You must provide either a fully qualified repository specifier such as 'myregistry.azurecr.io/hello-world' as a positional parameter or provide '-r MyRegistry -n hello-world' argument values.";
pub const NEED_MANIFEST: &str = "You must provide either a fully qualified manifest specifier such as 'myregistry.azurecr.io/hello-world:latest' as a positional parameter or provide '-r MyRegistry -n hello-world:latest' argument values.";

/// The registry and image an `acr manifest` command names: the positional
/// `myregistry.azurecr.io/repo[:tag|@digest]`, or `-n` with `-r` (or the configured default
/// registry), with az's checks in az's order (the parser's validators first).
pub fn manifest_target(
    ctx: &Context,
    given: &RegistryArgs,
    spec: &Spec,
    kind: FqdnKind,
) -> Result<(RegistryArgs, ImageName), AppError> {
    if let Some(id) = &spec.id {
        reference::validate_fqdn(id, kind).map_err(AppError::Cli)?;
    }
    let name = spec.name.as_deref().filter(|n| !n.is_empty());
    if let (FqdnKind::Repository, Some(n)) = (kind, name)
        && n.contains(':')
    {
        return Err(AppError::Cli(
            "Parameter 'name' refers to a repository and should not include a tag or digest.".into(),
        ));
    }
    let registry = |name: Option<String>| RegistryArgs {
        name,
        suffix: given.suffix.clone(),
        username: given.username.clone(),
        password: given.password.clone(),
        resource_group_given: false,
    };
    let registry_known =
        given.name.as_deref().is_some_and(|n| !n.is_empty()) || ctx.config.default_registry().is_some();
    match (&spec.id, name) {
        (Some(id), None) => {
            let (registry_name, image) =
                reference::parse_fqdn(id, kind, &Cloud::current(&ctx.config).acr_suffix)
                    .map_err(AppError::Cli)?;
            Ok((registry(Some(registry_name)), image))
        }
        (None, Some(n)) if registry_known => {
            let image = match kind {
                FqdnKind::Repository => ImageName { repository: n.into(), tag: None, digest: None },
                FqdnKind::Manifest => {
                    reference::parse_image_name(n, true, true).map_err(|m| AppError::Cli(m.into()))?
                }
                FqdnKind::RepositoryMaybeTag | FqdnKind::ManifestTagOnly => {
                    reference::parse_image_name(n, false, false).map_err(|m| AppError::Cli(m.into()))?
                }
            };
            Ok((registry(given.name.clone()), image))
        }
        _ => Err(AppError::Cli(
            match kind {
                FqdnKind::Repository | FqdnKind::RepositoryMaybeTag => NEED_REPOSITORY,
                FqdnKind::Manifest | FqdnKind::ManifestTagOnly => NEED_MANIFEST,
            }
            .into(),
        )),
    }
}

/// The tag or manifest an image names. An empty tag or digest is refused: az would act on
/// the whole repository instead.
pub fn image_item(image: &ImageName) -> Result<Item, AppError> {
    let repository = Repository::new(&image.repository)?;
    match (&image.tag, &image.digest) {
        (_, Some(digest)) if !digest.is_empty() => Ok(Item::Manifest(repository, Reference::new(digest)?)),
        (Some(tag), None) if !tag.is_empty() => Ok(Item::Tag(repository, Reference::new(tag)?)),
        _ => Err(AppError::Cli(reference::IMAGE_FORMAT_WITH_DIGEST.into())),
    }
}

/// The repository and digest a tag or manifest item names: a tag is looked up first
/// (`GET /acr/v1/{repo}/_tags/{tag}`, as az's `get_image_digest`, which signs in on its own:
/// with `--verbose` az says twice that it signs in with AAD).
pub async fn digest_of(
    ctx: &Context,
    registry: &mut Registry,
    item: Item,
) -> Result<(Repository, Reference), AppError> {
    let tag_item = match item {
        Item::Manifest(repository, digest) => return Ok((repository, digest)),
        tag => tag,
    };
    let attributes = registry.attributes(&tag_item, crate::registry::Access::MetadataRead).await?;
    if registry.signs_in_with_aad() {
        ctx.ui.verbose_info(AAD_ATTEMPT);
    }
    let Item::Tag(repository, tag) = tag_item else {
        return Err(AppError::Cli(reference::IMAGE_FORMAT_WITH_DIGEST.into()));
    };
    match attributes.get("digest").and_then(Data::as_str) {
        Some(d) if !d.is_empty() => Ok((repository, Reference::new(d)?)),
        _ => Err(AppError::Cli(format!(
            "Could not get the manifest digest for image '{}:{}'.",
            repository.name(),
            tag.as_str()
        ))),
    }
}

/// az's `_get_value(item, *keys)` for table rows: the nested value as `str()`, or one space
/// when it is missing or falsy (except 0).
pub fn table_cell(item: &Data, keys: &[&str]) -> Data {
    let mut value = item;
    for k in keys {
        match value.get(k) {
            Some(v) => value = v,
            None => return Data::Str(" ".into()),
        }
    }
    let text = match value.resolved() {
        Data::Int(0) => Some("0".to_string()),
        Data::Null | Data::Bool(false) => None,
        Data::Float(f) if *f == 0.0 => Some(crate::output::pyrepr::str_of(value)),
        Data::Str(s) if s.is_empty() => None,
        Data::List(l) if l.is_empty() => None,
        Data::Dict(d, _) if d.is_empty() => None,
        other => Some(crate::output::pyrepr::str_of(other)),
    };
    Data::Str(text.unwrap_or_else(|| " ".into()).into())
}

/// An OrderedDict row of table cells.
pub fn table_row(item: &Data, columns: &[(&'static str, &[&str])]) -> Data {
    Data::Dict(
        columns.iter().map(|(name, keys)| (crate::data::key(name), table_cell(item, keys))).collect(),
        crate::data::Ordered::Yes,
    )
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
        (None, Some(image)) => match parse_image(&image, true).map_err(|m| AppError::Cli(m.into()))? {
            // az reads `repo@` as "no image" (delete then takes the whole repository); azacr
            // refuses it with az's message for a malformed image.
            crate::registry::reference::Image::Digest { digest, .. } if digest.is_empty() => {
                Err(AppError::Cli(reference::IMAGE_FORMAT_WITH_DIGEST.into()))
            }
            parsed => Ok(parsed.item()?),
        },
        _ => Err(AppError::Cli(EXCLUSIVE_USAGE.into())),
    }
}
