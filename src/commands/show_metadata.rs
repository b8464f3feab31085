//! `az acr manifest show-metadata` (and the deprecated `acr manifest metadata show`): a tag's
//! or manifest's attributes.

use super::{CommandResult, Context, image_item, manifest_target, open};
use crate::cli::RegistryArgs;
use crate::error::AppError;
use crate::registry::Access;
use crate::registry::reference::FqdnKind;
use crate::settings::Spec;

pub async fn run(ctx: &Context, registry_args: &RegistryArgs, spec: &Spec) -> CommandResult {
    let (registry_args, image) = manifest_target(ctx, registry_args, spec, FqdnKind::Manifest)?;
    let item = image_item(&image)?;
    let mut registry = open(ctx, &registry_args).await?;
    match registry.attributes(&item, Access::MetadataRead).await {
        // A show command in az: a missing item exits with 3.
        Err(e) if e.http_status() == Some(404) => Err(AppError::ShowNotFound(e)),
        other => Ok(Some(other?)),
    }
}
