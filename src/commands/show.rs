//! `az acr repository show`: a repository's, tag's or manifest's attributes.

use super::{CommandResult, Context, open, target};
use crate::cli::RegistryArgs;
use crate::error::AppError;
use crate::registry::Access;
use crate::settings::Target;

pub async fn run(ctx: &Context, registry_args: &RegistryArgs, target_args: &Target) -> CommandResult {
    let item = target(target_args)?;
    let mut registry = open(ctx, registry_args).await?;
    match registry.attributes(&item, Access::MetadataRead).await {
        // az registers `show` as a show command: a missing item exits with 3.
        Err(e) if e.http_status() == Some(404) => Err(AppError::ShowNotFound(e)),
        other => Ok(Some(other?)),
    }
}
