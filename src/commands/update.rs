//! `az acr repository update`: sets changeable attributes of a repository, tag or manifest.

use super::{CommandResult, Context, open, target};
use crate::cli::{AttributeFlags, RegistryArgs};
use crate::settings::Target;

pub async fn run(
    ctx: &Context,
    registry_args: &RegistryArgs,
    target_args: &Target,
    flags: &AttributeFlags,
) -> CommandResult {
    let item = target(target_args)?;
    let mut registry = open(ctx, registry_args).await?;
    Ok(Some(registry.update_attributes(&item, flags.changes()).await?))
}
