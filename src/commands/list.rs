//! `az acr repository list`: the registry's repositories.

use super::{CommandResult, Context, connect, registry_name};
use crate::cli::CommandArgs;
use crate::output::Data;

pub async fn run(ctx: &Context, args: &CommandArgs) -> CommandResult {
    let name = registry_name(ctx, &args.registry)?;
    let mut registry = connect(ctx, &args.registry, &name).await?;
    let repositories =
        registry.list("/v2/_catalog", "registry:catalog:*", "repositories", args.top, None).await?;
    Ok(Some(Data::List(repositories)))
}
