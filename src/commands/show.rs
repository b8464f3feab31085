//! `az acr repository show`: a repository's, tag's or manifest's attributes.

use super::{CommandResult, Context, connect, registry_name, target};
use crate::cli::CommandArgs;
use crate::error::AppError;
use crate::registry::Access;

pub async fn run(ctx: &Context, args: &CommandArgs) -> CommandResult {
    let item = target(args)?;
    let name = registry_name(ctx, &args.registry)?;
    let mut registry = connect(ctx, &args.registry, &name).await?;
    match registry.attributes(&item, Access::MetadataRead).await {
        // az registers `show` as a show command: a missing item exits with 3.
        Err(e) if e.http_status() == Some(404) => Err(AppError::ShowNotFound(e)),
        other => Ok(Some(other?)),
    }
}
