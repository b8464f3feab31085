//! `az acr manifest list-metadata`: a repository's manifests as the registry describes them
//! (where show-manifests' deprecation warning sends its users).

use super::{CommandResult, Context, open};
use crate::cli::RegistryArgs;
use crate::error::AppError;
use crate::output::Data;
use crate::registry::{Page, Repository};

pub const PREVIEW: &str = "Command group 'acr manifest' is in preview and under development. Reference and support levels: https://aka.ms/CLI_refstatus";

const NEED_REPOSITORY: &str = "You must provide either a fully qualified repository specifier such as 'myregistry.azurecr.io/hello-world' as a positional parameter or provide '-r MyRegistry -n hello-world' argument values.";

pub async fn run(
    ctx: &Context,
    registry_args: &RegistryArgs,
    repo_id: Option<&str>,
    repository: Option<&str>,
    page: Page,
) -> CommandResult {
    let (registry_args, repo) = resolve(ctx, registry_args, repo_id, repository)?;
    let repository = Repository::new(&repo)?;
    let mut registry = open(ctx, &registry_args).await?;
    let manifests = registry.manifests(&repository, page).await?;
    Ok(Some(Data::List(manifests)))
}

/// The registry and repository, from `myregistry.azurecr.io/repo` or from `-r` and `-n`.
fn resolve(
    ctx: &Context,
    given: &RegistryArgs,
    repo_id: Option<&str>,
    repository: Option<&str>,
) -> Result<(RegistryArgs, String), AppError> {
    let fail = |m: &str| AppError::Cli(m.to_string());
    let mut registry = RegistryArgs {
        name: given.name.clone(),
        suffix: given.suffix.clone(),
        username: given.username.clone(),
        password: given.password.clone(),
        resource_group_given: false,
    };
    match (repo_id, repository) {
        (Some(repo_id), None) => {
            let id = repo_id.strip_prefix("https://").unwrap_or(repo_id);
            if !id.contains('.') && !id.contains('/') {
                return Err(fail(
                    "The positional parameter 'repo_id' must be a fully qualified repository specifier such as 'myregistry.azurecr.io/hello-world'.",
                ));
            }
            let (address, repo) = id.split_once('/').unwrap_or((id, ""));
            if repo.contains(':') || repo.contains('@') {
                return Err(fail("The positional parameter 'repo_id' should not include a tag or digest."));
            }
            let (name, suffix) = match address.find('.') {
                Some(i) => (&address[..i], &address[i..]),
                None => (address, ""),
            };
            let cloud_suffix = crate::cloud::Cloud::current(&ctx.config).acr_suffix;
            if suffix != cloud_suffix {
                return Err(AppError::Cli(format!(
                    "Provided registry suffix '{suffix}' does not match the configured az cli acr login server suffix '{cloud_suffix}'. Check the 'acrLoginServerEndpoint' value when running 'az cloud show'."
                )));
            }
            registry.name = Some(name.to_string());
            Ok((registry, repo.to_string()))
        }
        (None, Some(repo)) if registry.name.is_some() || ctx.config.default_registry().is_some() => {
            if repo.contains(':') || repo.contains('@') {
                return Err(fail(
                    "Parameter 'name' refers to a repository and should not include a tag or digest.",
                ));
            }
            Ok((registry, repo.to_string()))
        }
        _ => Err(fail(NEED_REPOSITORY)),
    }
}
