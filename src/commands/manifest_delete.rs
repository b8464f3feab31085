//! `az acr manifest delete`: one manifest, named by digest or by a tag, after confirmation.

use super::{CommandResult, Context, image_item, manifest_target, open};
use crate::cli::RegistryArgs;
use crate::error::AppError;
use crate::output::Data;
use crate::registry::reference::FqdnKind;
use crate::registry::{Access, Item, Reference};
use crate::settings::Spec;

pub async fn run(ctx: &Context, registry_args: &RegistryArgs, spec: &Spec, yes: bool) -> CommandResult {
    let (registry_args, image) = manifest_target(ctx, registry_args, spec, FqdnKind::Manifest)?;
    let item = image_item(&image)?;
    let mut registry = open(ctx, &registry_args).await?;
    let (repository, digest) = match item {
        Item::Manifest(repository, digest) => (repository, digest),
        Item::Tag(repository, tag) => {
            let tag_item = Item::Tag(repository, tag);
            let attributes = registry.attributes(&tag_item, Access::MetadataRead).await?;
            let Item::Tag(repository, tag) = tag_item else { unreachable!("a tag") };
            match attributes.get("digest").and_then(Data::as_str) {
                Some(d) if !d.is_empty() => (repository, Reference::new(d)?),
                _ => {
                    return Err(AppError::Cli(format!(
                        "Could not get the manifest digest for image '{}:{}'.",
                        repository.name(),
                        tag.as_str()
                    )));
                }
            }
        }
        Item::Repository(_) => unreachable!("image_item names a tag or a manifest"),
    };
    if !yes {
        let ui = ctx.ui.clone();
        let question = format!(
            "Are you sure you want to delete the artifact '{}' and all manifests that refer to it?",
            digest.as_str()
        );
        // On a blocking thread, so that Ctrl-C is still noticed while waiting for an answer.
        tokio::task::spawn_blocking(move || crate::prompt::confirm(&ui, &question))
            .await
            .map_err(|_| AppError::Interrupted)??;
    }
    Ok(registry.delete_artifact(&repository, &digest).await?)
}
