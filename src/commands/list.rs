//! `az acr repository list`: the registry's repositories.

use super::{CommandResult, Context, connect, registry_name};
use crate::cli::CommandArgs;
use crate::output::Data;
use crate::registry::Page;

pub async fn run(ctx: &Context, args: &CommandArgs) -> CommandResult {
    let name = registry_name(ctx, &args.registry)?;
    let mut registry = connect(ctx, &args.registry, &name).await?;
    let repositories = registry.catalog(Page { top: args.top, orderby: None }).await?;
    Ok(Some(Data::List(repositories)))
}
