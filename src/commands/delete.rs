//! `az acr repository delete`: a manifest (by tag or digest) or a whole repository, after
//! confirmation.

use super::{CommandResult, Context, open, target};
use crate::cli::RegistryArgs;
use crate::error::AppError;
use crate::output::Data;
use crate::registry::{Access, Item, Reference, Registry, Repository};
use crate::settings::Target;

pub async fn run(
    ctx: &Context,
    registry_args: &RegistryArgs,
    target_args: &Target,
    yes: bool,
) -> CommandResult {
    let item = target(target_args)?;
    let mut registry = open(ctx, registry_args).await?;
    match &item {
        Item::Repository(repository) => {
            if !yes {
                registry.before_prompt();
                confirm(
                    ctx,
                    format!(
                        "Are you sure you want to delete the repository '{}' and all images under it?",
                        repository.name()
                    ),
                )
                .await?;
            }
            Ok(registry.delete_repository(repository).await?)
        }
        Item::Tag(repository, tag) => {
            let attributes = registry.attributes(&item, Access::Delete).await?;
            let digest = match attributes.get("digest").and_then(Data::as_str) {
                Some(d) if !d.is_empty() => Reference::new(d)?,
                _ => {
                    return Err(AppError::Cli(format!(
                        "Could not get the manifest digest for image '{}:{}'.",
                        repository.name(),
                        tag.as_str()
                    )));
                }
            };
            delete_manifest(ctx, &mut registry, repository, &digest, yes).await
        }
        Item::Manifest(repository, digest) => {
            delete_manifest(ctx, &mut registry, repository, digest, yes).await
        }
    }
}

/// Deletes a manifest after saying (or asking about) which tags go with it, as az does.
async fn delete_manifest(
    ctx: &Context,
    registry: &mut Registry,
    repository: &Repository,
    digest: &Reference,
    yes: bool,
) -> CommandResult {
    let repo = repository.name();
    let tags = registry.tags_of_manifest(repository, digest, Access::Delete).await?;
    let mut message = format!("This operation will delete the manifest '{}'", digest.as_str());
    let sharing: Vec<String> = tags
        .iter()
        .map(|t| format!("'{repo}:{}'", t.get("name").and_then(Data::as_str).unwrap_or_default()))
        .collect();
    if !sharing.is_empty() {
        message.push_str(" and all the following images: ");
        message.push_str(&sharing.join(", "));
    }
    if yes {
        ctx.ui.warn(&message);
    } else {
        confirm(ctx, format!("{message}.\nAre you sure you want to continue?")).await?;
    }
    Ok(registry.delete_manifest(repository, digest, Access::Delete).await?)
}

/// Asks on a blocking thread, so that Ctrl-C is still noticed while waiting for an answer.
async fn confirm(ctx: &Context, question: String) -> Result<(), AppError> {
    let ui = ctx.ui.clone();
    tokio::task::spawn_blocking(move || crate::prompt::confirm(&ui, &question))
        .await
        .map_err(|_| AppError::Interrupted)?
}
