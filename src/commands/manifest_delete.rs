//! `az acr manifest delete`: one manifest, named by digest or by a tag, after confirmation.

use super::{CommandResult, Context, digest_of, image_item, manifest_target, open};
use crate::cli::RegistryArgs;
use crate::error::AppError;
use crate::registry::Access;
use crate::registry::reference::FqdnKind;
use crate::settings::Spec;

pub async fn run(ctx: &Context, registry_args: &RegistryArgs, spec: &Spec, yes: bool) -> CommandResult {
    let (registry_args, image) = manifest_target(ctx, registry_args, spec, FqdnKind::Manifest)?;
    let item = image_item(&image)?;
    let mut registry = open(ctx, &registry_args).await?;
    let (repository, digest) = digest_of(ctx, &mut registry, item).await?;
    if !yes {
        registry.before_prompt();
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
    Ok(registry.delete_manifest(&repository, &digest, Access::DeleteOnly).await?)
}
