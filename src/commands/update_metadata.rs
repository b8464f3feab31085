//! `az acr manifest update-metadata` (and the deprecated `acr manifest metadata update`):
//! sets a tag's or manifest's changeable attributes (locks); with none given, shows them.

use super::{CommandResult, Context, image_item, manifest_target, open};
use crate::cli::{AttributeFlags, RegistryArgs};
use crate::registry::reference::FqdnKind;
use crate::settings::Spec;

pub async fn run(
    ctx: &Context,
    registry_args: &RegistryArgs,
    spec: &Spec,
    flags: &AttributeFlags,
) -> CommandResult {
    let (registry_args, image) = manifest_target(ctx, registry_args, spec, FqdnKind::Manifest)?;
    let item = image_item(&image)?;
    let mut registry = open(ctx, &registry_args).await?;
    Ok(Some(registry.update_attributes(&item, flags.changes()).await?))
}
