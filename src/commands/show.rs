//! `az acr repository show`: a repository's, tag's or manifest's attributes.

use super::{CommandResult, Context, connect, registry_name, target};
use crate::cli::CommandArgs;
use crate::error::AppError;
use crate::registry::{Access, RegistryError, scope};

pub async fn run(ctx: &Context, args: &CommandArgs) -> CommandResult {
    let target = target(args)?;
    let name = registry_name(ctx, &args.registry)?;
    let (path, index) = target.attributes_path()?;
    let mut registry = connect(ctx, &args.registry, &name).await?;
    let scope = scope(target.repository(), Access::MetadataRead);
    match registry.get(&path, &scope, index).await {
        // az registers `show` as a show command: a missing item exits with 3.
        Err(e @ RegistryError::Status { status: 404, .. }) => Err(AppError::ShowNotFound(e)),
        other => Ok(Some(other?)),
    }
}
