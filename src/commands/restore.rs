//! `az acr manifest restore`: a soft-deleted manifest back under its tag; without `--digest`,
//! the one most recently deleted with that tag (asking first when there are several).

use super::{CommandResult, Context, manifest_target, open};
use crate::cli::RegistryArgs;
use crate::error::AppError;
use crate::output::Data;
use crate::registry::reference::FqdnKind;
use crate::registry::{Access, Reference, Repository};
use crate::settings::Spec;

pub async fn run(
    ctx: &Context,
    registry_args: &RegistryArgs,
    spec: &Spec,
    digest: Option<&str>,
    force: bool,
    yes: bool,
) -> CommandResult {
    let (registry_args, image) = manifest_target(ctx, registry_args, spec, FqdnKind::ManifestTagOnly)?;
    let repository = Repository::new(&image.repository)?;
    let tag = image.tag.as_deref();
    let mut registry = open(ctx, &registry_args).await?;
    let digest = match digest.filter(|d| !d.is_empty()) {
        Some(d) => d.to_string(),
        None => {
            let deleted = registry.deleted_tags(&repository, Access::DeletedReadRestore).await?;
            let digests: Vec<&str> = deleted
                .iter()
                .filter(|t| t.get("tag").and_then(Data::as_str) == tag)
                .filter_map(|t| t.get("digest").and_then(Data::as_str))
                .collect();
            // Python's str() of the tag: `None` when none was given.
            let shown = tag.unwrap_or("None");
            let Some(last) = digests.last() else {
                return Err(AppError::Cli(format!("No deleted manifests found for tag: {shown}")));
            };
            if digests.len() > 1 && !yes {
                let question = format!(
                    "Multiple deleted manifests found for tag: {shown}. Restoring most recently deletedmanifest with digest: {last}. Is this okay?"
                );
                let ui = ctx.ui.clone();
                // On a blocking thread, so that Ctrl-C is still noticed while waiting.
                tokio::task::spawn_blocking(move || crate::prompt::confirm(&ui, &question))
                    .await
                    .map_err(|_| AppError::Interrupted)??;
            }
            last.to_string()
        }
    };
    let digest = Reference::new(&digest)?;
    Ok(registry.restore_manifest(&repository, &digest, tag, force).await?)
}
